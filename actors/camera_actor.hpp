// The camera actor: one per camera, for the whole life of the daemon.
//
// It owns the camera's state machine (idle, connecting, capturing, backoff)
// and at most one capture at a time. For each capture it spawns a worker on
// a thread of its own (actors/capture_worker.hpp), linked to itself, and
// tells the supervisor which worker holds the session. It answers a
// capture_order only once the session is closed.
//
// Release is by construction: the running capture's cancel flag belongs to
// the actor's state, and the state's destructor sets it. Whatever ends the
// actor (a kill, its supervisor's death, shutdown), the worker's libav call
// returns within libav's polling interval and the worker tears the session
// down on a fresh budget.
//
// Live view (actors/camera_live.hpp, messages/live_messages.hpp): viewers
// lease the camera's one session. The first makes the actor open a live
// session on a live worker; patrols that meet it take their frame from it;
// the last viewer to leave (or whose lease runs out) makes it tear the
// session down. The same destructor cancels a live session.

#pragma once

#include "camera/camera_state.hpp"
#include "camera/snapshot_capture.hpp"
#include "config/fleet_config.hpp"
#include "messages/live_messages.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/message.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

namespace camfleet {

/// The capture a camera actor is running.
struct running_capture {
  caf::actor worker;
  std::shared_ptr<std::atomic<bool>> cancel;
  std::uint64_t patrol_id = 0;
  /// Distinguishes this capture's timers from those of earlier ones.
  std::uint64_t sequence = 0;
  timestamp started;
  capture_phase phase = capture_phase::connecting;
  caf::response_promise promise;
  /// This capture's budgets (the capture one cut to the patrol's time left).
  capture_budget budget;
  /// Set by the first sweep that found the capture stuck, which logs it; the
  /// next sweep that still finds it stuck force-releases it.
  bool stuck_logged = false;
  /// A viewer arrived: the capture was cancelled to make way for a live
  /// session, which will answer its patrol instead.
  bool preempted = false;
  /// False for a capture started for an on-demand snapshot: no patrol waits
  /// for its report.
  bool for_patrol = true;
  /// On-demand snapshots sharing this capture's picture.
  std::vector<caf::response_promise> snapshot_requests;
};

/// One viewer watching the camera.
struct viewer_lease {
  std::uint64_t id = 0;
  std::string viewer;
  /// Receives the frames; monitored, so that its end ends the lease.
  caf::actor subscriber;
  timestamp since;
  std::uint64_t frames_served = 0;
};

/// A patrol capture, or an on-demand snapshot, answered by the live
/// session's next picture.
struct frame_waiter {
  /// An on-demand snapshot (answered with a fresh_snapshot), not a patrol.
  bool on_demand = false;
  std::uint64_t patrol_id = 0;
  /// Names this waiter's timer.
  std::uint64_t sequence = 0;
  timestamp started;
  caf::response_promise promise;
};

/// The camera's live session, held while anyone watches.
struct live_session {
  caf::actor worker;
  std::shared_ptr<std::atomic<bool>> cancel;
  /// Which of the camera's live sessions this is (frames carry it).
  std::uint64_t session = 0;
  timestamp started;
  capture_phase phase = capture_phase::connecting;
  std::vector<viewer_lease> leases;
  std::vector<frame_waiter> waiting;
  std::uint64_t frames = 0;
  /// The latest picture, as a ready message, for a viewer who joins.
  std::optional<caf::message> latest;
  /// Nobody needs it any more: cancelled, tearing down.
  bool closing = false;
};

/// A viewer's request that waits for the session to be free (a pre-empted
/// capture, or a live session still tearing down).
struct pending_lease {
  lease_request request;
  caf::response_promise promise;
};

struct camera_actor_state {
  static inline const char* name = "camfleet.camera";

  std::string subnet;
  camera_config config;
  std::string snapshot_dir;
  /// Told about each worker, so it can monitor the session's release.
  caf::actor supervisor;

  camera_state_machine machine;
  std::mt19937_64 rng{std::random_device{}()};
  std::optional<running_capture> capture;
  std::uint64_t capture_sequence = 0;
  /// The failure kind last logged as a warning, to rate-limit repeats.
  std::optional<failure_kind> last_warned_kind;
  /// The last failure's redacted detail, for the inspection console.
  std::string last_failure_detail;
  /// A capture running longer than its capture budget plus this is stuck.
  /// The supervisor's sweeps carry the configured value; until the first,
  /// the teardown budget plus 2 s.
  std::chrono::milliseconds stuck_grace{0};
  std::uint64_t forced_releases = 0;
  /// Workers of force-released captures, still running: their exit must not
  /// end this actor.
  std::vector<caf::actor_addr> released_workers;

  std::optional<live_session> live;
  std::uint64_t live_sequence = 0;
  std::uint64_t lease_sequence = 0;
  std::uint64_t waiter_sequence = 0;
  std::vector<pending_lease> pending_leases;

  /// Cancels the running capture and the live session, if any: the actor's
  /// end, for whatever reason, releases the camera's session.
  ~camera_actor_state();
};

using camera_actor_type = caf::stateful_actor<camera_actor_state>;

caf::behavior camera_actor(camera_actor_type* self, std::string subnet, camera_config config,
                           std::string snapshot_dir, caf::actor supervisor);

} // namespace camfleet
