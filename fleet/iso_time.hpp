// Timestamps as people on the site read them: ISO 8601, local time, with the
// UTC offset spelled out ("2026-12-04T16:09:14.123+09:00"). An operator in
// UTC+9 once misread a whole incident timeline because the log said neither.

#pragma once

#include <chrono>
#include <string>

namespace camfleet {

/// Local time with milliseconds and an explicit offset.
std::string format_iso8601(std::chrono::system_clock::time_point at);

} // namespace camfleet
