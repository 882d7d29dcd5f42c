// A live stream from one camera: open the RTSP session, decode its pictures,
// hand a JPEG to the owner at a capped rate, until cancelled; then tear the
// session down. Blocking; runs on a thread of its own (actors/live_worker.hpp).

#pragma once

#include "camera/snapshot_capture.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <variant>

namespace camfleet {

struct live_settings {
  /// At most one picture per interval is encoded and handed over: encoding,
  /// the costly part, is capped whatever the camera's frame rate.
  std::chrono::milliseconds frame_interval{250};
  /// A stream that delivers no video packet for this long has failed
  /// (no_key_frame): the camera stalled while the TCP connection stayed up.
  std::chrono::milliseconds stall_timeout{5000};
};

/// Called on the streaming thread with each picture handed over.
using frame_observer = std::function<void(snapshot&&)>;

/// How a stream that was not cut by a failure ended.
struct live_summary {
  std::uint64_t frames = 0;
};

using live_result = std::variant<live_summary, capture_failure>;

/// Streams until `cancel` becomes true (a normal end: live_summary) or the
/// camera fails. Until the first picture the capture budget bounds the wait;
/// after it, `settings.stall_timeout` bounds each wait for a packet. While it
/// reads, libav keeps the session alive (GET_PARAMETER or OPTIONS at half the
/// session timeout the camera announced). Returns within libav's polling
/// interval plus the teardown budget of `cancel` becoming true; every libav
/// object and socket is closed when it returns.
live_result stream_live(const std::string& camera_id, const stream_endpoint& endpoint,
                        const capture_budget& budget, const live_settings& settings,
                        const std::atomic<bool>& cancel, const phase_observer& on_phase,
                        const frame_observer& on_frame);

} // namespace camfleet
