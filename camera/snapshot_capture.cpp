#include "camera/snapshot_capture.hpp"

#include "camera/av_log_bridge.hpp"
#include "camera/capture_steps.hpp"
#include "camera/jpeg_encoder.hpp"
#include "camera/libav_ptr.hpp"
#include "camera/rtsp_input.hpp"
#include "camera/rtsp_url.hpp"
#include "camera/video_decoder.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace camfleet {

namespace {

using clock = std::chrono::steady_clock;

/// Packets read while waiting for a key frame, at most: the deadline bounds
/// the wait in time, this bounds it in count (a 30 fps camera sends 450
/// pictures in 15 s).
constexpr int max_packets_per_attempt = 20000;

/// Reads until a key frame decodes, then encodes it. The input is open.
capture_result read_key_frame(capture_context& ctx, rtsp_input& input, const std::string& path) {
  auto found = find_video_stream(ctx, input, path);
  if (auto* failure = std::get_if<capture_failure>(&found))
    return *failure;
  int video_index = std::get<int>(found);
  AVStream* stream = input.context()->streams[video_index];

  // The decoder is opened only once the key frame is in: FFmpeg's H.264
  // decoder takes about 1 MiB (its context is zeroed at once), and a capture
  // waits up to a whole GOP for its key frame. Opened up front, 64 captures in
  // flight held some 60 MiB of idle decoders (docs/benchmarks.md).
  video_decoder decoder;

  // Drop packets until a key frame; then feed the decoder until a picture
  // comes out (it skips everything but key frames).
  libav::packet_ptr packet{av_packet_alloc()};
  libav::frame_ptr frame{av_frame_alloc()};
  if (packet == nullptr || frame == nullptr)
    return failure_of_call(ctx, input, path, capture_phase::decoding, "allocating",
                           AVERROR(ENOMEM));
  bool key_frame_seen = false;
  int packets_read = 0;
  for (; packets_read < max_packets_per_attempt; ++packets_read) {
    // Packets already queued inside libav come back without any I/O, hence
    // without the interrupt callback being asked.
    if (ctx.cancel.load() || input.deadline_passed())
      return failure_of_call(ctx, input, path, capture_phase::waiting_for_key_frame,
                             "waiting for a key frame", AVERROR_EXIT);
    if (int rc = av_read_frame(input.context(), packet.get()); rc < 0)
      return failure_of_call(ctx, input, path, capture_phase::waiting_for_key_frame,
                             "reading packets", rc);
    bool wanted = packet->stream_index == video_index &&
                  (key_frame_seen || (packet->flags & AV_PKT_FLAG_KEY) != 0);
    if (!wanted) {
      av_packet_unref(packet.get());
      continue;
    }
    if (!key_frame_seen) {
      key_frame_seen = true;
      ctx.enter(capture_phase::decoding);
      if (int rc = decoder.open(*stream->codecpar, stream->time_base, decode_mode::key_frames);
          rc < 0)
        return failure_of_call(ctx, input, path, capture_phase::decoding, "opening the decoder",
                               rc);
    }
    int rc = decoder.decode(*packet, *frame);
    av_packet_unref(packet.get());
    if (rc == 0)
      break;
    if (rc != AVERROR(EAGAIN))
      return failure_of_call(ctx, input, path, capture_phase::decoding, "decoding a key frame", rc);
  }
  if (packets_read == max_packets_per_attempt)
    return capture_failure{failure_kind::no_key_frame,
                           fmt::format("{}: no key frame in {} packets",
                                       rtsp_display_url(ctx.endpoint, path), packets_read)};

  snapshot shot;
  if (int rc = encode_jpeg(*frame, shot.jpeg); rc < 0)
    return failure_of_call(ctx, input, path, capture_phase::decoding, "encoding the JPEG", rc);
  shot.width = frame->width;
  shot.height = frame->height;
  shot.path = path;
  shot.time_to_frame =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - ctx.start);
  return shot;
}

/// One try of one path: open, read, always tear down on a fresh budget.
capture_result attempt(capture_context& ctx, const std::string& path) {
  rtsp_input input{ctx.cancel, ctx.budget.teardown};
  if (int rc = open_path(ctx, input, path); rc < 0)
    return failure_of_call(ctx, input, path, ctx.phase, "open failed", rc);

  auto result = read_key_frame(ctx, input, path);

  ctx.enter(capture_phase::tearing_down);
  input.close();
  return result;
}

} // namespace

const char* to_string(capture_phase phase) {
  switch (phase) {
  case capture_phase::connecting:
    return "connecting";
  case capture_phase::negotiating:
    return "negotiating";
  case capture_phase::waiting_for_key_frame:
    return "waiting_for_key_frame";
  case capture_phase::decoding:
    return "decoding";
  case capture_phase::streaming:
    return "streaming";
  case capture_phase::tearing_down:
    return "tearing_down";
  }
  return "unknown";
}

capture_result capture_snapshot(const std::string& camera_id, const stream_endpoint& endpoint,
                                const capture_budget& budget, const std::atomic<bool>& cancel,
                                const phase_observer& on_phase) {
  install_av_log_bridge();
  av_log_scope log_scope{camera_id, endpoint.password};
  auto start = clock::now();
  capture_context ctx{camera_id, endpoint,  budget, cancel,
                      on_phase,  log_scope, start,  start + budget.capture};

  return with_fallback_path<capture_result>(
      ctx, [&ctx](const std::string& path) { return attempt(ctx, path); });
}

} // namespace camfleet
