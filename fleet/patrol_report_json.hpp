// A patrol report as the one JSON line it takes in the patrol log.

#pragma once

#include "messages/fleet_messages.hpp"

#include <string>

namespace camfleet {

/// One line (without the newline): subnet, patrol id, start and end with UTC
/// offset, duration, and per camera the outcome, the failure kind, what
/// happened and how long it took.
std::string to_json_line(const patrol_report& report);

} // namespace camfleet
