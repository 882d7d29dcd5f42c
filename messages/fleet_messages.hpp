// The messages camfleet's actors exchange, in one place.
//
//   fleet root ──spawns, links──▶ subnet supervisor ──spawns, links──▶ camera
//        ▲                          │  ▲       monitors each worker       │
//        │ patrol_report            │  │ capture_report, session_opened   │ spawns, links
//        └──────────────────────────┘  └──────────────────────────────────┤
//                                      patrol_report ──▶ patrol log       ▼
//                                                                   capture worker
//                                                                   (detached thread)
//
// Each type has an inspect() so that CAF can serialise it: a later step runs
// subnet supervisors on other machines through CAF's middleman. No message
// ever carries a credential; capture jobs, which do, are spawn arguments of
// local workers and never messages.

#pragma once

#include "camera/snapshot_capture.hpp"
#include "messages/atoms.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/meta/type_name.hpp>

namespace camfleet {

/// How one camera's part of a patrol ended.
enum class patrol_outcome : std::uint8_t {
  /// A snapshot was taken and written.
  captured,
  /// The capture failed; `failure` says how.
  failed,
  /// The camera was backing off after earlier failures and was not asked.
  skipped_backoff,
  /// The patrol deadline passed before the camera's turn came.
  not_started,
  /// A previous session of this camera was still closing, so no new one was
  /// opened: a camera never has two sessions.
  busy,
  /// The camera's actor died during the capture; its session was cancelled.
  lost,
  /// An operator paused the camera or its subnet (inspection console).
  paused,
};

const char* to_string(patrol_outcome outcome);

/// subnet supervisor → camera (a request): capture one snapshot for a patrol.
struct capture_order {
  std::uint64_t patrol_id = 0;
  /// Time left until the patrol deadline; the camera uses the smaller of
  /// this and its own capture budget.
  std::int64_t budget_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, capture_order& x) {
  return f(caf::meta::type_name("capture_order"), x.patrol_id, x.budget_ms);
}

/// camera → subnet supervisor (the answer to capture_order): sent only once
/// the camera's session is closed, whatever the outcome.
struct capture_report {
  std::string camera_id;
  std::uint64_t patrol_id = 0;
  patrol_outcome outcome = patrol_outcome::failed;
  /// The failure_kind's name when outcome is failed, else empty.
  std::string failure;
  /// What happened, for people; redacted.
  std::string detail;
  std::int64_t duration_ms = 0;
  std::uint64_t snapshot_bytes = 0;
  std::int32_t width = 0;
  std::int32_t height = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, capture_report& x) {
  return f(caf::meta::type_name("capture_report"), x.camera_id, x.patrol_id, x.outcome, x.failure,
           x.detail, x.duration_ms, x.snapshot_bytes, x.width, x.height);
}

/// camera → subnet supervisor, before a capture starts: this worker holds the
/// camera's session until it terminates. The supervisor monitors it, so it
/// knows the session is released even if the camera actor died.
struct session_opened {
  std::string camera_id;
  std::uint64_t patrol_id = 0;
  caf::actor worker;
  /// A live session, opened for viewers: it serves the patrols that meet it
  /// instead of making them wait, so it does not hold up the end of a patrol
  /// (see live_messages.hpp).
  bool live = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_opened& x) {
  return f(caf::meta::type_name("session_opened"), x.camera_id, x.patrol_id, x.worker, x.live);
}

/// capture worker → camera (the answer to capture_atom): the capture is over
/// and its session closed.
struct capture_done {
  bool ok = false;
  /// The failure_kind's name when !ok.
  std::string failure;
  std::string detail;
  std::int32_t width = 0;
  std::int32_t height = 0;
  std::uint64_t snapshot_bytes = 0;
  std::int64_t time_to_frame_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, capture_done& x) {
  return f(caf::meta::type_name("capture_done"), x.ok, x.failure, x.detail, x.width, x.height,
           x.snapshot_bytes, x.time_to_frame_ms);
}

/// subnet supervisor → patrol log and fleet root, once per finished patrol.
struct patrol_report {
  std::string subnet;
  std::uint64_t patrol_id = 0;
  /// Wall-clock milliseconds since the Unix epoch.
  std::int64_t started_at_ms = 0;
  std::int64_t ended_at_ms = 0;
  /// From the monotonic clock: a wall clock stepped during the patrol (NTP,
  /// an operator) moves started_at and ended_at, never this.
  std::int64_t duration_ms = 0;
  /// True if the deadline passed and captures were cancelled.
  bool deadline_reached = false;
  std::vector<capture_report> cameras;

  std::size_t count(patrol_outcome outcome) const {
    std::size_t n = 0;
    for (const auto& camera : cameras)
      n += camera.outcome == outcome ? 1 : 0;
    return n;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, patrol_report& x) {
  return f(caf::meta::type_name("patrol_report"), x.subnet, x.patrol_id, x.started_at_ms,
           x.ended_at_ms, x.duration_ms, x.deadline_reached, x.cameras);
}

/// Announces every message type above to CAF, for serialisation.
void add_message_types(caf::actor_system_config& config);

} // namespace camfleet
