#include "messages/admin_messages.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace camfleet {

namespace {

constexpr caf::atom_value admin_category = caf::atom("admin");

} // namespace

const char* to_string(admin_errc code) {
  switch (code) {
  case admin_errc::not_found:
    return "not_found";
  case admin_errc::conflict:
    return "conflict";
  case admin_errc::invalid_config:
    return "invalid_config";
  case admin_errc::unavailable:
    return "unavailable";
  case admin_errc::over_limit:
    return "over_limit";
  }
  return "unavailable";
}

caf::error make_admin_error(admin_errc code, std::string message) {
  return caf::error{static_cast<std::uint8_t>(code), admin_category,
                    caf::make_message(std::move(message))};
}

admin_errc admin_code_of(const caf::error& error) {
  if (error.category() != admin_category)
    return admin_errc::unavailable;
  auto code = error.code();
  if (code < static_cast<std::uint8_t>(admin_errc::not_found) ||
      code > static_cast<std::uint8_t>(admin_errc::over_limit))
    return admin_errc::unavailable;
  return static_cast<admin_errc>(code);
}

std::string admin_message_of(const caf::error& error) {
  const auto& context = error.context();
  if (error.category() == admin_category && context.match_elements<std::string>())
    return context.get_as<std::string>(0);
  return to_string(error);
}

const char* to_string(act_kind kind) {
  switch (kind) {
  case act_kind::kick:
    return "kick";
  case act_kind::reset_backoff:
    return "reset_backoff";
  case act_kind::pause:
    return "pause";
  case act_kind::resume:
    return "resume";
  case act_kind::patrol_now:
    return "patrol_now";
  }
  return "unknown";
}

void add_admin_message_types(caf::actor_system_config& config) {
  config.add_message_type<transition_view>("camfleet::transition_view");
  config.add_message_type<lease_view>("camfleet::lease_view");
  config.add_message_type<camera_view>("camfleet::camera_view");
  config.add_message_type<subnet_view>("camfleet::subnet_view");
  config.add_message_type<fleet_view>("camfleet::fleet_view");
  config.add_message_type<act_kind>("camfleet::act_kind");
  config.add_message_type<camera_act>("camfleet::camera_act");
  config.add_message_type<subnet_act>("camfleet::subnet_act");
  config.add_message_type<act_result>("camfleet::act_result");
  config.add_message_type<reload_result>("camfleet::reload_result");
  config.add_message_type<std::vector<patrol_report>>("std::vector<camfleet::patrol_report>");
}

} // namespace camfleet
