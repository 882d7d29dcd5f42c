// An RTSP input whose every blocking call is bounded, and whose close always
// gets the budget it needs to send TEARDOWN.

#pragma once

#include "camera/libav_ptr.hpp"

#include <atomic>
#include <chrono>
#include <string>

namespace camfleet {

/// Owns one libav RTSP input (RTP over the RTSP connection, video only). An
/// interrupt callback reading this object's own deadline and the owner's
/// cancel flag bounds every libav call on it; nothing about it is global, so
/// captures on different threads do not disturb each other.
///
/// Not copyable or movable: libav keeps a pointer to the interrupt state.
class rtsp_input {
 public:
  using clock = std::chrono::steady_clock;

  rtsp_input(const std::atomic<bool>& cancel, std::chrono::milliseconds teardown_budget);

  /// Closes as close() does.
  ~rtsp_input();

  rtsp_input(const rtsp_input&) = delete;
  rtsp_input& operator=(const rtsp_input&) = delete;

  /// Connects and negotiates (OPTIONS, DESCRIBE, SETUP, PLAY) by `deadline`.
  /// `socket_timeout` bounds each socket wait on top of that, in case the
  /// interrupt callback is not consulted. Returns 0 or a negative AVERROR.
  /// When PLAY fails after SETUP succeeded, the input stays open, so that
  /// close() (or the destructor) can tear the camera's session down.
  int open(const std::string& url, clock::time_point deadline,
           std::chrono::microseconds socket_timeout);

  /// Bounds the libav calls that follow.
  void set_deadline(clock::time_point deadline) noexcept;

  /// The current deadline had passed, by the clock or as the interrupt
  /// callback saw it.
  bool deadline_passed() const noexcept;

  bool is_open() const noexcept { return ctx_ != nullptr; }

  /// Borrowed; valid while is_open().
  AVFormatContext* context() const noexcept { return ctx_.get(); }

  /// Closes the input, which sends TEARDOWN, on a fresh budget that ignores
  /// the cancel flag: libav asks the interrupt callback before each write, and
  /// with a tripped deadline or flag it would silently skip the TEARDOWN and
  /// leave the camera a stale session (the slot leak camfleet exists to
  /// prevent). Does nothing when not open.
  void close() noexcept;

 private:
  /// What the interrupt callback reads. `cancel` is null while closing.
  struct interrupt_state {
    clock::time_point deadline;
    const std::atomic<bool>* cancel = nullptr;
    bool deadline_tripped = false;
  };

  static int interrupt(void* opaque) noexcept;

  const std::atomic<bool>& cancel_;
  std::chrono::milliseconds teardown_budget_;
  interrupt_state interrupt_;
  /// Declared last, destroyed first: libav may call the interrupt callback
  /// until the context is gone.
  libav::format_input_ptr ctx_;
};

} // namespace camfleet
