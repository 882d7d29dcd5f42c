#include "messages/live_messages.hpp"

namespace camfleet {

void add_live_message_types(caf::actor_system_config& config) {
  config.add_message_type<lease_request>("camfleet::lease_request");
  config.add_message_type<lease_grant>("camfleet::lease_grant");
  config.add_message_type<live_frame>("camfleet::live_frame");
  config.add_message_type<lease_ended>("camfleet::lease_ended");
  config.add_message_type<live_done>("camfleet::live_done");
  config.add_message_type<fresh_snapshot>("camfleet::fresh_snapshot");
}

} // namespace camfleet
