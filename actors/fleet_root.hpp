// The fleet root: spawns one subnet supervisor per configured subnet and
// supervises them one_for_one, in the manner of OTP: a supervisor that dies
// is restarted alone; more than `max_restarts` restarts within the window and
// the root gives up on that subnet and says so, while the others go on.
//
// An exit message from outside (SIGINT or SIGTERM, relayed by camfleetd)
// shuts the fleet down: every supervisor cancels and tears down its sessions,
// and the root quits once all of them have ended.

#pragma once

#include "config/fleet_config.hpp"
#include "messages/admin_messages.hpp"
#include "messages/fleet_messages.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

namespace camfleet {

struct fleet_root_options {
  fleet_config config;
  caf::actor patrol_log;
  /// In one-patrol mode, receives (fleet_done_atom, bool all_captured).
  caf::actor listener;
  /// Each subnet stops after this many patrols; 0 patrols forever.
  std::uint64_t max_patrols = 0;
  /// The file the configuration came from, reread on reload_atom; empty if
  /// reloading is not offered.
  std::string config_path;
};

struct supervised_subnet {
  subnet_config config;
  caf::actor supervisor;
  std::uint64_t last_patrol_id = 0;
  std::uint64_t patrols_reported = 0;
  bool all_captured = true;
  bool given_up = false;
  std::deque<std::chrono::steady_clock::time_point> recent_restarts;
  std::uint64_t restarts = 0;
  /// The most recent patrol reports, newest last (at most
  /// recent_reports_limit, messages/admin_messages.hpp).
  std::deque<patrol_report> recent_reports;
  /// Removed by a reload: its supervisor is stopping and is not restarted.
  bool retiring = false;
};

struct fleet_root_state {
  static inline const char* name = "camfleet.root";

  fleet_root_options options;
  std::vector<supervised_subnet> subnets;
  bool reported_done = false;
  std::optional<caf::error> stopping;
};

using fleet_root_type = caf::stateful_actor<fleet_root_state>;

caf::behavior fleet_root(fleet_root_type* self, fleet_root_options options);

} // namespace camfleet
