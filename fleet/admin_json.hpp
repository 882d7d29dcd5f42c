// The admin interface's answers as JSON: the views the actors return, turned
// into the documents docs/console.md describes. Times appear twice: as
// ISO-8601 with the UTC offset for people ("entered_at") and as milliseconds
// for scripts ("entered_at_ms", "time_in_state_ms").

#pragma once

#include "messages/admin_messages.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace camfleet {

/// Counts over every camera of the fleet, as /v1/fleet answers them.
struct fleet_summary {
  std::size_t cameras = 0;
  std::size_t idle = 0;
  std::size_t connecting = 0;
  std::size_t capturing = 0;
  std::size_t backoff = 0;
  std::size_t down = 0;
  std::size_t paused = 0;
  std::size_t stuck = 0;
  std::size_t open_sessions = 0;
  std::size_t subnets = 0;
  std::size_t patrols_running = 0;
};

fleet_summary summarize(const fleet_view& fleet);

boost::json::object to_json(const fleet_summary& summary);

/// `full` adds the transitions.
boost::json::object to_json(const camera_view& camera, bool full);

/// Without the cameras (GET /v1/subnets lists them per camera instead).
boost::json::object to_json(const subnet_view& subnet);

boost::json::object to_json(const patrol_report& report);

boost::json::object to_json(const act_result& result);

boost::json::object to_json(const reload_result& result);

/// {"error": {"code": ..., "message": ...}}. The message often quotes what
/// the client sent (a path, a query key), so it goes through valid_utf8.
std::string error_body(const std::string& code, const std::string& message);

/// `text` with every byte that does not belong to a well-formed UTF-8
/// sequence replaced by U+FFFD. Boost.JSON writes strings byte for byte, and a
/// client's raw bytes (or a quote cut in the middle of a character) would
/// otherwise make an answer that no JSON parser accepts.
std::string valid_utf8(std::string_view text);

/// An ISO-8601 time with offset for epoch milliseconds; null for 0 (never).
boost::json::value iso_time_or_null(std::int64_t epoch_ms);

} // namespace camfleet
