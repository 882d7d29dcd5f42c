// camsim's log format: ISO-8601 with an explicit UTC offset in every line.
//
// The original incident was misread for a while because the server logged
// UTC while the operators read local time (UTC+9) with no offset shown.

#pragma once

#include <string>

namespace camfleet::camsim {

inline constexpr const char* log_pattern = "%Y-%m-%dT%H:%M:%S.%e%z [%l] %v";

/// Logs to stderr (stdout carries only the "ready" line) at `level`
/// ("trace", "debug", "info", "warn", "error"); throws std::invalid_argument
/// for an unknown level.
void setup_logging(const std::string& level);

} // namespace camfleet::camsim
