// The steps a snapshot and a live stream share: opening one path of a camera
// with every call bounded, finding its video stream, and describing a failed
// libav call. Internal to camera/ (snapshot_capture.cpp, live_stream.cpp).

#pragma once

#include "camera/av_log_bridge.hpp"
#include "camera/rtsp_input.hpp"
#include "camera/snapshot_capture.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace camfleet {

/// Everything one capture or live stream shares between its attempts (main
/// and fallback path).
struct capture_context {
  using clock = std::chrono::steady_clock;

  const std::string& camera_id;
  const stream_endpoint& endpoint;
  const capture_budget& budget;
  const std::atomic<bool>& cancel;
  const phase_observer& on_phase;
  av_log_scope& log_scope;
  clock::time_point start;
  /// Until the first picture: the capture budget from `start`.
  clock::time_point capture_deadline;
  capture_phase phase = capture_phase::connecting;

  void enter(capture_phase next) {
    phase = next;
    if (on_phase)
      on_phase(next);
  }
};

/// A failure of a libav call, classified and described with the URL (no
/// credentials), libav's error text and the last problem libav logged.
capture_failure failure_of_call(const capture_context& ctx, const rtsp_input& input,
                                std::string_view path, capture_phase phase, std::string_view what,
                                int av_error);

/// Connects to `path` and negotiates (OPTIONS, DESCRIBE, SETUP, PLAY) within
/// the connect budget, reporting the connecting and negotiating phases.
/// Returns 0 or a negative AVERROR (then describe it with failure_of_call).
int open_path(capture_context& ctx, rtsp_input& input, const std::string& path);

/// Enters waiting_for_key_frame with the capture deadline, and finds the
/// index of the open input's video stream, probing the stream only when the
/// SDP left the codec unknown; or the failure.
std::variant<int, capture_failure> find_video_stream(capture_context& ctx, rtsp_input& input,
                                                     const std::string& path);

/// Tries `try_path` on the endpoint's path and, if the camera has no such
/// path and a fallback is configured, once more on the fallback within what
/// is left of the capture budget.
template <class Result, class TryPath>
Result with_fallback_path(capture_context& ctx, TryPath&& try_path);

} // namespace camfleet

#include "camera/capture_steps_impl.hpp"
