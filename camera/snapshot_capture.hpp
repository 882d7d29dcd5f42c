// One snapshot from one camera: open the RTSP session, wait for a key frame,
// decode it, encode a JPEG, tear the session down. Blocking; runs on a thread
// of its own (see actors/capture_worker.hpp), never on a CAF scheduler thread.

#pragma once

#include "camera/failure.hpp"
#include "camera/stream_endpoint.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

namespace camfleet {

/// Where a capture is, for the inspection console and the stuck detector.
enum class capture_phase : std::uint8_t {
  connecting,            ///< TCP connect and OPTIONS
  negotiating,           ///< DESCRIBE, SETUP, PLAY
  waiting_for_key_frame, ///< reading packets until one carries a key frame
  decoding,              ///< decoding the key frame and encoding the JPEG
  streaming,             ///< a live session: reading, decoding pictures for viewers
  tearing_down,          ///< TEARDOWN and close, on a fresh budget
};

const char* to_string(capture_phase phase);

/// A decoded key frame, encoded as JPEG.
struct snapshot {
  std::vector<std::uint8_t> jpeg;
  int width = 0;
  int height = 0;
  /// The path that answered (the endpoint's path or its fallback).
  std::string path;
  /// From the start of the capture until the key frame was decoded.
  std::chrono::milliseconds time_to_frame{0};
};

using capture_result = std::variant<snapshot, capture_failure>;

/// Called from the capturing thread each time the capture enters a phase.
using phase_observer = std::function<void(capture_phase)>;

/// Takes one snapshot. Returns within the capture budget plus the teardown
/// budget (plus libav's 100 ms polling interval), or soon after `cancel`
/// becomes true. Every libav object and socket it opened is closed when it
/// returns, whatever the outcome. `camera_id` names the camera in every log
/// line libav writes meanwhile.
capture_result capture_snapshot(const std::string& camera_id, const stream_endpoint& endpoint,
                                const capture_budget& budget, const std::atomic<bool>& cancel,
                                const phase_observer& on_phase = {});

} // namespace camfleet
