#include "camera/live_stream.hpp"

#include "camera/capture_steps.hpp"
#include "camera/jpeg_encoder.hpp"
#include "camera/libav_ptr.hpp"
#include "camera/video_decoder.hpp"

namespace camfleet {

namespace {

using clock = std::chrono::steady_clock;

/// Reads, decodes and hands pictures over until cancelled or failed. The
/// input is open.
live_result read_stream(capture_context& ctx, rtsp_input& input, const std::string& path,
                        const live_settings& settings, const frame_observer& on_frame) {
  auto found = find_video_stream(ctx, input, path);
  if (auto* failure = std::get_if<capture_failure>(&found))
    return *failure;
  int video_index = std::get<int>(found);
  AVStream* stream = input.context()->streams[video_index];

  libav::packet_ptr packet{av_packet_alloc()};
  libav::frame_ptr frame{av_frame_alloc()};
  if (packet == nullptr || frame == nullptr)
    return failure_of_call(ctx, input, path, capture_phase::decoding, "allocating",
                           AVERROR(ENOMEM));
  // Opened at the first key frame, as for a snapshot: pictures before it
  // cannot be decoded anyway.
  video_decoder decoder;
  bool key_frame_seen = false;
  live_summary summary;
  auto next_frame_due = clock::now();

  for (;;) {
    // A normal end: the owner no longer wants pictures.
    if (ctx.cancel.load())
      return summary;
    if (input.deadline_passed())
      return failure_of_call(ctx, input, path, ctx.phase,
                             key_frame_seen ? "receiving no video" : "waiting for a key frame",
                             AVERROR_EXIT);
    int rc = av_read_frame(input.context(), packet.get());
    if (rc < 0) {
      if (ctx.cancel.load())
        return summary;
      return failure_of_call(ctx, input, path, ctx.phase, "reading packets", rc);
    }
    if (packet->stream_index != video_index ||
        (!key_frame_seen && (packet->flags & AV_PKT_FLAG_KEY) == 0)) {
      av_packet_unref(packet.get());
      continue;
    }
    if (!key_frame_seen) {
      key_frame_seen = true;
      if (rc = decoder.open(*stream->codecpar, stream->time_base, decode_mode::all_frames); rc < 0)
        return failure_of_call(ctx, input, path, capture_phase::decoding, "opening the decoder",
                               rc);
      ctx.enter(capture_phase::streaming);
    }
    // A video packet arrived: the stall timeout starts again.
    input.set_deadline(clock::now() + settings.stall_timeout);
    rc = decoder.decode(*packet, *frame);
    av_packet_unref(packet.get());
    if (rc == AVERROR(EAGAIN))
      continue;
    if (rc < 0)
      return failure_of_call(ctx, input, path, capture_phase::streaming, "decoding", rc);
    auto now = clock::now();
    if (now < next_frame_due)
      continue;
    snapshot shot;
    if (rc = encode_jpeg(*frame, shot.jpeg); rc < 0)
      return failure_of_call(ctx, input, path, capture_phase::streaming, "encoding a JPEG", rc);
    shot.width = frame->width;
    shot.height = frame->height;
    shot.path = path;
    shot.time_to_frame = std::chrono::duration_cast<std::chrono::milliseconds>(now - ctx.start);
    next_frame_due = now + settings.frame_interval;
    ++summary.frames;
    on_frame(std::move(shot));
  }
}

live_result attempt(capture_context& ctx, const std::string& path, const live_settings& settings,
                    const frame_observer& on_frame) {
  rtsp_input input{ctx.cancel, ctx.budget.teardown};
  if (int rc = open_path(ctx, input, path); rc < 0) {
    if (ctx.cancel.load())
      return live_summary{};
    return failure_of_call(ctx, input, path, ctx.phase, "open failed", rc);
  }
  auto result = read_stream(ctx, input, path, settings, on_frame);
  ctx.enter(capture_phase::tearing_down);
  input.close();
  return result;
}

} // namespace

live_result stream_live(const std::string& camera_id, const stream_endpoint& endpoint,
                        const capture_budget& budget, const live_settings& settings,
                        const std::atomic<bool>& cancel, const phase_observer& on_phase,
                        const frame_observer& on_frame) {
  install_av_log_bridge();
  av_log_scope log_scope{camera_id, endpoint.password};
  auto start = clock::now();
  capture_context ctx{camera_id, endpoint,  budget, cancel,
                      on_phase,  log_scope, start,  start + budget.capture};
  return with_fallback_path<live_result>(
      ctx, [&](const std::string& path) { return attempt(ctx, path, settings, on_frame); });
}

} // namespace camfleet
