// What camfleetd patrols and how: the validated form of the JSON configuration.
//
// Everything here has passed validation (config/config_loader.hpp): hosts are
// IP literals, budgets are in range, ids are unique and safe as directory
// names. Code that receives a fleet_config never re-checks it.

#pragma once

#include "camera/backoff.hpp"
#include "camera/stream_endpoint.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace camfleet {

struct camera_config {
  /// Unique across the fleet; also the camera's snapshot directory name.
  std::string id;
  /// Free text such as "tapo-c110"; shown to operators.
  std::string model;
  stream_endpoint endpoint;
  capture_budget budget;
  backoff_policy backoff;
  /// Where the password came from ("none", "inline", "env:NAME", "file:PATH"),
  /// for the inspection console; the password itself is never shown.
  std::string password_source = "none";
};

struct subnet_config {
  /// Unique across the fleet; also the subnet's snapshot directory name.
  std::string name;
  /// Quiet time between the end of one patrol and the start of the next.
  /// Nothing is connected during it.
  std::chrono::milliseconds patrol_interval{15000};
  /// How many cameras of this subnet are captured at once. Each camera still
  /// has at most one session; this bounds the load on the subnet's uplink.
  std::uint32_t parallel_captures = 4;
  /// A patrol cancels whatever is still running this long after it started.
  std::chrono::milliseconds patrol_deadline{60000};
  std::vector<camera_config> cameras;
};

enum class log_format : std::uint8_t { text, json };

struct log_config {
  /// trace, debug, info, warn or error.
  std::string level = "info";
  log_format format = log_format::text;
};

/// How often a subnet supervisor may be restarted before the fleet gives up
/// (OTP's restart intensity: more than max_restarts within window).
struct restart_limit {
  std::uint32_t max_restarts = 5;
  std::chrono::milliseconds window{60000};
};

struct fleet_config {
  /// Snapshots go to <snapshot_dir>/<subnet>/<camera>/latest.jpg.
  std::string snapshot_dir = "snapshots";
  /// One JSON line per finished patrol is appended here.
  std::string patrol_log = "patrols.jsonl";
  log_config log;
  restart_limit supervisor_restarts;
  std::vector<subnet_config> subnets;

  std::size_t camera_count() const {
    std::size_t n = 0;
    for (const auto& subnet : subnets)
      n += subnet.cameras.size();
    return n;
  }
};

} // namespace camfleet
