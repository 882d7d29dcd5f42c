// The subnet supervisor: one per subnet, driving construct-then-destruct
// patrols over its cameras.
//
// A patrol asks every camera that is not backing off for one snapshot, at
// most `parallel_captures` at a time. At the patrol deadline it cancels what
// still runs. The patrol ends only when every camera has answered and every
// capture worker has terminated, that is when every session of the subnet is
// closed; then the report goes to the patrol log and the fleet root, and the
// supervisor sleeps for the patrol interval with nothing connected.
//
// It spawns its cameras linked and restarts any that dies, within a restart
// limit; past it, it gives up and dies itself, for the fleet root to decide.
// It monitors every capture worker, so it knows when a session is released
// even if the camera actor that started it was killed. A camera whose
// previous worker is still alive is not asked again ("busy"): a camera
// never has two sessions.

#pragma once

#include "camera/camera_state.hpp"
#include "config/fleet_config.hpp"
#include "messages/admin_messages.hpp"
#include "messages/fleet_messages.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

namespace camfleet {

struct supervised_camera {
  camera_config config;
  caf::actor actor;
  /// The capture worker holding this camera's session, while one does.
  caf::actor worker;
  /// The live worker holding this camera's session for viewers, while one
  /// does. Patrols are served from it, so it is not "busy" and does not hold
  /// up a patrol's end; shutdown and reload wait for it like for a worker.
  caf::actor live_worker;
  /// `worker` outlived the camera actor that started it (a restart): the new
  /// actor does not know it, so no viewer may open a session until it ends.
  bool orphan_worker = false;
  /// An operator paused it: patrols skip it until resumed.
  bool paused = false;
};

struct patrol_run {
  std::uint64_t id = 0;
  timestamp started;
  /// Indices into the supervisor's cameras, in the order they are asked.
  std::deque<std::size_t> queue;
  std::size_t in_flight = 0;
  /// One slot per camera, filled as they answer.
  std::vector<std::optional<capture_report>> results;
  bool deadline_reached = false;
};

struct subnet_supervisor_options {
  subnet_config subnet;
  std::string snapshot_dir;
  /// Receives each patrol_report (the patrol log writer).
  caf::actor patrol_log;
  /// Receives each patrol_report as well (the fleet root).
  caf::actor root;
  std::uint64_t first_patrol_id = 1;
  /// Stop after this many patrols; 0 patrols forever.
  std::uint64_t max_patrols = 0;
  restart_limit camera_restarts;
  /// The stuck sweeper's settings (fleet_config's stuck_policy).
  stuck_policy stuck;
};

/// How many of a supervisor's patrol reports may wait for the patrol log
/// writer, whose mailbox is otherwise unbounded: a writer stalled on a disk
/// would hold every report of every patrol in memory.
constexpr std::size_t patrol_log_pending_limit = 16;

struct subnet_supervisor_state {
  static inline const char* name = "camfleet.subnet";

  subnet_supervisor_options options;
  std::vector<supervised_camera> cameras;
  std::optional<patrol_run> patrol;
  std::uint64_t next_patrol_id = 1;
  std::uint64_t patrols_finished = 0;
  /// Identifies the pending patrol timer; older timers are ignored.
  std::uint64_t timer_sequence = 0;
  std::deque<std::chrono::steady_clock::time_point> recent_restarts;
  /// Set once shutdown began: no restarts, no patrols, quit when released.
  std::optional<caf::error> stopping;
  /// An operator paused the subnet: no patrol starts until resumed.
  bool paused = false;
  std::uint64_t camera_restarts = 0;
  /// Reports sent to the patrol log writer and not yet acknowledged; at
  /// patrol_log_pending_limit further ones are dropped, counted and warned
  /// about once until the writer has caught up.
  std::size_t patrol_log_pending = 0;
  bool patrol_log_behind = false;
  /// A reloaded configuration waiting for the subnet to hold no session.
  std::shared_ptr<const subnet_config> pending_config;
};

using subnet_supervisor_type = caf::stateful_actor<subnet_supervisor_state>;

caf::behavior subnet_supervisor(subnet_supervisor_type* self, subnet_supervisor_options options);

} // namespace camfleet
