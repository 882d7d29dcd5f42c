// The life cycle of one camera, as a plain class that needs no actor system.
//
//            start_capture          session_ready
//   idle ─────────────────▶ connecting ─────────▶ capturing
//    ▲                          │                    │   │
//    │ backoff_elapsed          │ capture_failed     │   │ capture_succeeded
//    │ or reset_backoff         ▼                    │   ▼ or session_closed
//   backoff ◀───────────────────┴────────────────────┘  idle
//
// A live session (viewers watching) is a long capture: connecting until its
// first picture, capturing while it streams. It may also end in connecting
// (session_closed), when every viewer left before the first picture, or
// when a capture is cut short to make way for a viewer.
//
// The camera actor (actors/camera_actor.hpp) drives it; the inspection console
// shows its history. Transitions outside this graph are refused and leave the
// machine unchanged: a refused transition is a bug in the caller, which the
// caller reports.

#pragma once

#include "camera/failure.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace camfleet {

enum class camera_state : std::uint8_t { idle, connecting, capturing, backoff };

const char* to_string(camera_state state);

/// A moment, on the monotonic clock (for durations, immune to clock changes)
/// and on the wall clock (for people and logs).
struct timestamp {
  std::chrono::steady_clock::time_point mono;
  std::chrono::system_clock::time_point wall;

  static timestamp now() {
    return {std::chrono::steady_clock::now(), std::chrono::system_clock::now()};
  }
};

struct state_transition {
  camera_state from;
  camera_state to;
  timestamp at;
  /// Why, in a few words: "patrol 12", "no_key_frame", "operator reset".
  std::string reason;
};

class camera_state_machine {
 public:
  /// Transitions kept for inspection; older ones are dropped.
  static constexpr std::size_t default_history_limit = 50;

  explicit camera_state_machine(timestamp created = timestamp::now(),
                                std::size_t history_limit = default_history_limit);

  // -- transitions; each returns false and changes nothing if not allowed -----

  /// idle → connecting: a capture begins.
  bool start_capture(timestamp now, std::string reason);

  /// connecting → capturing: the RTSP session is set up and playing.
  bool session_ready(timestamp now);

  /// capturing → idle: a snapshot was taken and the session closed.
  bool capture_succeeded(timestamp now);

  /// connecting or capturing → idle without a failure: a live session ended
  /// because nobody needed it any more, or a capture was cut short to make
  /// way for a viewer. Counts as a success if it delivered a picture.
  bool session_closed(timestamp now, bool delivered_pictures, std::string reason);

  /// connecting or capturing → backoff until `now + delay`.
  bool capture_failed(timestamp now, failure_kind kind, std::chrono::milliseconds delay);

  /// backoff → idle; refused before the delay has passed.
  bool backoff_elapsed(timestamp now);

  /// backoff → idle at once, and forget the consecutive failures (operator).
  bool reset_backoff(timestamp now);

  // -- observers ---------------------------------------------------------------

  camera_state state() const { return state_; }
  timestamp entered_at() const { return entered_at_; }
  std::chrono::steady_clock::duration time_in_state(timestamp now) const {
    return now.mono - entered_at_.mono;
  }

  /// Only meaningful in the backoff state.
  std::chrono::steady_clock::time_point backoff_until() const { return backoff_until_; }

  std::uint32_t consecutive_failures() const { return consecutive_failures_; }
  std::uint64_t attempts() const { return attempts_; }
  std::uint64_t successes() const { return successes_; }
  std::uint64_t failures() const { return failures_; }
  std::optional<failure_kind> last_failure() const { return last_failure_; }
  std::optional<timestamp> last_success() const { return last_success_; }
  const std::deque<state_transition>& history() const { return history_; }

  /// True if the graph above has an edge from `from` to `to`.
  static bool allowed(camera_state from, camera_state to);

 private:
  bool move_to(camera_state to, timestamp now, std::string reason);

  camera_state state_ = camera_state::idle;
  timestamp entered_at_;
  std::chrono::steady_clock::time_point backoff_until_{};
  std::uint32_t consecutive_failures_ = 0;
  std::uint64_t attempts_ = 0;
  std::uint64_t successes_ = 0;
  std::uint64_t failures_ = 0;
  std::optional<failure_kind> last_failure_;
  std::optional<timestamp> last_success_;
  std::size_t history_limit_;
  std::deque<state_transition> history_;
};

} // namespace camfleet
