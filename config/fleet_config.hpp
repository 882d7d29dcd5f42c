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
#include <optional>
#include <string>
#include <vector>

namespace camfleet {

/// Live view: viewers' leases on a camera's one session (actors/camera_actor.hpp).
struct live_policy {
  /// Viewers of one camera at once; past it a viewer is refused.
  std::uint32_t max_viewers_per_camera = 4;
  /// Viewers of the whole fleet at once (the admin interface counts them).
  std::uint32_t max_viewers = 32;
  /// A lease ends by itself after this long; the viewer may ask again.
  std::chrono::milliseconds max_lease{300000};
  /// At most one picture per interval is encoded for viewers.
  std::chrono::milliseconds frame_interval{250};
  /// A live session that receives no video for this long has failed.
  std::chrono::milliseconds stall_timeout{5000};
};

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
  /// The fleet's `live` settings, copied to each camera.
  live_policy live;
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

/// The stuck sweeper: a camera in connecting or capturing for longer than its
/// capture budget plus the grace is stuck; the sweeper, run every
/// sweep_interval, logs it once and force-releases it one sweep later.
struct stuck_policy {
  /// Unset: each camera's teardown budget plus 2 s, so that only a libav call
  /// that ignores its interrupt callback counts as stuck. Shorter, a capture
  /// still closing its session on its teardown budget may count as stuck.
  std::optional<std::chrono::milliseconds> grace;
  std::chrono::milliseconds sweep_interval{1000};
};

/// The admin interface (fleet/admin_server.hpp); absent, camfleetd serves none.
struct admin_config {
  /// An IP literal; anything but 127.0.0.1 or ::1 requires a token.
  std::string address = "127.0.0.1";
  /// 0: the system picks a free port, which camfleetd logs and can write to
  /// a file (--admin-port-file).
  std::uint16_t port = 8080;
  /// The bearer token every request must carry when set. A secret: never
  /// logged, never answered.
  std::string token;
  /// "none", "inline" or "env:NAME", for people.
  std::string token_source = "none";
};

struct fleet_config {
  /// Snapshots go to <snapshot_dir>/<subnet>/<camera>/latest.jpg.
  std::string snapshot_dir = "snapshots";
  /// One JSON line per finished patrol is appended here.
  std::string patrol_log = "patrols.jsonl";
  log_config log;
  restart_limit supervisor_restarts;
  stuck_policy stuck;
  live_policy live;
  std::optional<admin_config> admin;
  std::vector<subnet_config> subnets;

  std::size_t camera_count() const {
    std::size_t n = 0;
    for (const auto& subnet : subnets)
      n += subnet.cameras.size();
    return n;
  }
};

} // namespace camfleet
