#include "fleet/iso_time.hpp"

#include <cstdio>
#include <ctime>

namespace camfleet {

std::string format_iso8601(std::chrono::system_clock::time_point at) {
  using namespace std::chrono;
  auto since_epoch = at.time_since_epoch();
  auto seconds_part = duration_cast<seconds>(since_epoch);
  auto millis = duration_cast<milliseconds>(since_epoch - seconds_part).count();
  if (millis < 0) {
    // Before 1970 the remainder is negative; borrow a second.
    millis += 1000;
    seconds_part -= seconds{1};
  }
  std::time_t when = seconds_part.count();
  std::tm local{};
  localtime_r(&when, &local);

  char date_time[32];
  std::strftime(date_time, sizeof(date_time), "%Y-%m-%dT%H:%M:%S", &local);
  long offset_min = local.tm_gmtoff / 60;
  char sign = offset_min < 0 ? '-' : '+';
  if (offset_min < 0)
    offset_min = -offset_min;

  // Room for the widest values the types allow, not only the real ones: with
  // sanitizers gcc loses the ranges and -Wformat-truncation fails the build.
  char result[96];
  std::snprintf(result, sizeof(result), "%s.%03lld%c%02ld:%02ld", date_time,
                static_cast<long long>(millis), sign, offset_min / 60, offset_min % 60);
  return result;
}

} // namespace camfleet
