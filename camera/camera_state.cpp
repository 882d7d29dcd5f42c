#include "camera/camera_state.hpp"

#include <utility>

namespace camfleet {

const char* to_string(camera_state state) {
  switch (state) {
  case camera_state::idle:
    return "idle";
  case camera_state::connecting:
    return "connecting";
  case camera_state::capturing:
    return "capturing";
  case camera_state::backoff:
    return "backoff";
  }
  return "unknown";
}

camera_state_machine::camera_state_machine(timestamp created, std::size_t history_limit)
  : entered_at_(created), history_limit_(history_limit) {
  // Intentionally empty.
}

bool camera_state_machine::allowed(camera_state from, camera_state to) {
  using s = camera_state;
  switch (from) {
  case s::idle:
    return to == s::connecting;
  case s::connecting:
    // → idle: only a live session whose viewers all left before its first
    // picture (session_closed).
    return to == s::capturing || to == s::backoff || to == s::idle;
  case s::capturing:
    return to == s::idle || to == s::backoff;
  case s::backoff:
    return to == s::idle;
  }
  return false;
}

bool camera_state_machine::move_to(camera_state to, timestamp now, std::string reason) {
  if (!allowed(state_, to))
    return false;
  if (history_limit_ > 0) {
    if (history_.size() == history_limit_)
      history_.pop_front();
    history_.push_back(state_transition{state_, to, now, std::move(reason)});
  }
  state_ = to;
  entered_at_ = now;
  return true;
}

bool camera_state_machine::start_capture(timestamp now, std::string reason) {
  if (!move_to(camera_state::connecting, now, std::move(reason)))
    return false;
  ++attempts_;
  return true;
}

bool camera_state_machine::session_ready(timestamp now) {
  return move_to(camera_state::capturing, now, "session playing");
}

bool camera_state_machine::capture_succeeded(timestamp now) {
  // A snapshot is taken in capturing; connecting → idle is session_closed's.
  if (state_ != camera_state::capturing || !move_to(camera_state::idle, now, "snapshot taken"))
    return false;
  ++successes_;
  consecutive_failures_ = 0;
  last_success_ = now;
  return true;
}

bool camera_state_machine::session_closed(timestamp now, bool delivered_pictures,
                                          std::string reason) {
  if (state_ != camera_state::connecting && state_ != camera_state::capturing)
    return false;
  if (!move_to(camera_state::idle, now, std::move(reason)))
    return false;
  if (delivered_pictures) {
    ++successes_;
    consecutive_failures_ = 0;
    last_success_ = now;
  }
  return true;
}

bool camera_state_machine::capture_failed(timestamp now, failure_kind kind,
                                          std::chrono::milliseconds delay) {
  if (!move_to(camera_state::backoff, now, to_string(kind)))
    return false;
  ++failures_;
  ++consecutive_failures_;
  last_failure_ = kind;
  backoff_until_ = now.mono + delay;
  return true;
}

bool camera_state_machine::backoff_elapsed(timestamp now) {
  // A timer left over from an earlier backoff (one an operator reset) may fire
  // during a later, longer one; it must not cut that one short.
  if (state_ == camera_state::backoff && now.mono < backoff_until_)
    return false;
  return move_to(camera_state::idle, now, "backoff elapsed");
}

bool camera_state_machine::reset_backoff(timestamp now) {
  if (!move_to(camera_state::idle, now, "backoff reset"))
    return false;
  consecutive_failures_ = 0;
  return true;
}

} // namespace camfleet
