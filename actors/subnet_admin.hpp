// The subnet supervisor's side of the inspection console: views of the
// subnet and its cameras, operator acts, and configuration reloads. Split
// from subnet_supervisor.cpp, which keeps the patrol logic; both share the
// few helpers declared here.

#pragma once

#include "actors/subnet_supervisor.hpp"
#include "messages/admin_messages.hpp"
#include "messages/live_messages.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>

namespace camfleet {

// -- defined in subnet_supervisor.cpp ------------------------------------------

void spawn_camera(subnet_supervisor_type* self, std::size_t index);
bool sessions_open(const subnet_supervisor_state& st);
/// Arms the timer for the next patrol, one patrol interval from now.
void schedule_next_patrol(subnet_supervisor_type* self);
/// Starts a patrol unless one runs, the subnet is paused or stopping;
/// returns whether it did.
bool start_patrol(subnet_supervisor_type* self);

// -- defined in subnet_admin.cpp -----------------------------------------------

/// The subnet with a brief view of every camera (no transitions).
caf::result<subnet_view> inspect_subnet(subnet_supervisor_type* self);

/// One camera in full, or not_found.
caf::result<camera_view> inspect_camera(subnet_supervisor_type* self, const std::string& id);

caf::result<act_result> act_on_camera(subnet_supervisor_type* self, const camera_act& act);

/// A viewer's lease request for one of the subnet's cameras, refused while
/// the camera or the subnet is paused, passed on to the camera otherwise.
caf::result<lease_grant> lease_camera(subnet_supervisor_type* self, lease_request& request);

/// An on-demand snapshot of one of the subnet's cameras, refused as a lease is.
caf::result<fresh_snapshot> snapshot_camera(subnet_supervisor_type* self, const std::string& id);
caf::result<act_result> act_on_subnet(subnet_supervisor_type* self, const subnet_act& act);

/// Sends every camera a sweep with its stuck grace, and schedules the next.
void sweep_cameras(subnet_supervisor_type* self);

/// Keeps `config` to apply at the first moment no session is held.
void reconfigure(subnet_supervisor_type* self, std::shared_ptr<const subnet_config> config);

/// Applies a pending configuration if no patrol runs and no session is held.
void apply_pending_config(subnet_supervisor_type* self);

} // namespace camfleet
