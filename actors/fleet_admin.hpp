// The fleet root's side of the inspection console: the fleet view, routing
// camera and subnet requests to the right supervisor, recent patrol reports,
// and configuration reloads. Split from fleet_root.cpp, which keeps the
// supervision logic.

#pragma once

#include "actors/admin_relay.hpp"
#include "actors/fleet_root.hpp"
#include "messages/admin_messages.hpp"

#include <string>
#include <utility>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>

namespace camfleet {

// -- defined in fleet_root.cpp -------------------------------------------------

void spawn_supervisor(fleet_root_type* self, std::size_t index);

// -- defined in fleet_admin.cpp ------------------------------------------------

/// The live subnet that has camera `camera_id`, if any.
supervised_subnet* subnet_of_camera(fleet_root_state& st, const std::string& camera_id);

caf::result<fleet_view> inspect_fleet(fleet_root_type* self);

caf::result<act_result> relay_to_subnet(fleet_root_type* self, const subnet_act& act);

caf::result<std::vector<patrol_report>> recent_reports(fleet_root_type* self,
                                                       const std::string& subnet);

/// Rereads the configuration file; applies it if it is valid.
caf::result<reload_result> reload(fleet_root_type* self);

/// Passes a request about camera `camera_id` to its subnet's supervisor,
/// waiting at most `timeout` for the answer.
template <class T, class... Ts>
caf::result<T> relay_to_camera_subnet_within(fleet_root_type* self,
                                             std::chrono::milliseconds timeout,
                                             const std::string& camera_id, Ts&&... xs) {
  auto subnet = subnet_of_camera(self->state, camera_id);
  if (subnet == nullptr)
    return make_admin_error(admin_errc::not_found, "no camera \"" + camera_id + "\"");
  if (!subnet->supervisor)
    return make_admin_error(admin_errc::unavailable,
                            "the supervisor of subnet " + subnet->config.name + " is not running" +
                                (subnet->given_up ? " (given up after too many restarts)" : ""));
  return relay_within<T>(self, timeout, subnet->supervisor, std::forward<Ts>(xs)...);
}

/// relay_to_camera_subnet_within the admin relay timeout.
template <class T, class... Ts>
caf::result<T> relay_to_camera_subnet(fleet_root_type* self, const std::string& camera_id,
                                      Ts&&... xs) {
  return relay_to_camera_subnet_within<T>(self, admin_relay_timeout, camera_id,
                                          std::forward<Ts>(xs)...);
}

} // namespace camfleet
