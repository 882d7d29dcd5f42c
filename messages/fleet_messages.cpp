#include "messages/fleet_messages.hpp"

namespace camfleet {

const char* to_string(patrol_outcome outcome) {
  switch (outcome) {
  case patrol_outcome::captured:
    return "captured";
  case patrol_outcome::failed:
    return "failed";
  case patrol_outcome::skipped_backoff:
    return "skipped_backoff";
  case patrol_outcome::not_started:
    return "not_started";
  case patrol_outcome::busy:
    return "busy";
  case patrol_outcome::lost:
    return "lost";
  case patrol_outcome::paused:
    return "paused";
  }
  return "unknown";
}

void add_message_types(caf::actor_system_config& config) {
  config.add_message_type<capture_order>("camfleet::capture_order");
  config.add_message_type<capture_report>("camfleet::capture_report");
  config.add_message_type<session_opened>("camfleet::session_opened");
  config.add_message_type<capture_done>("camfleet::capture_done");
  config.add_message_type<patrol_report>("camfleet::patrol_report");
  config.add_message_type<capture_phase>("camfleet::capture_phase");
  config.add_message_type<patrol_outcome>("camfleet::patrol_outcome");
}

} // namespace camfleet
