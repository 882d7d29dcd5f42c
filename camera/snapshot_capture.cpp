#include "camera/snapshot_capture.hpp"

#include "camera/av_log_bridge.hpp"
#include "camera/failure_classify.hpp"
#include "camera/jpeg_encoder.hpp"
#include "camera/key_frame_decoder.hpp"
#include "camera/libav_ptr.hpp"
#include "camera/redact.hpp"
#include "camera/rtsp_input.hpp"
#include "camera/rtsp_url.hpp"

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

/// When the SDP lacks the codec setup, how much libav may read to find it.
constexpr int64_t probe_size_bytes = 512 * 1024;
constexpr int64_t probe_duration_us = 1'000'000;

/// Everything one capture shares between its attempts (main and fallback path).
struct capture_context {
  const std::string& camera_id;
  const stream_endpoint& endpoint;
  const capture_budget& budget;
  const std::atomic<bool>& cancel;
  const phase_observer& on_phase;
  av_log_scope& log_scope;
  clock::time_point start;
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
                                int av_error) {
  failure_evidence evidence;
  evidence.av_error = av_error;
  evidence.last_log_line = ctx.log_scope.last_problem();
  evidence.phase = phase;
  evidence.deadline_passed = input.deadline_passed();
  evidence.cancelled = ctx.cancel.load();
  auto kind = classify_failure(evidence);

  auto detail = fmt::format("{} {} while {}: {}", rtsp_display_url(ctx.endpoint, path), what,
                            to_string(phase), describe_av_error(av_error));
  if (kind == failure_kind::cancelled)
    detail += " (cancelled by the owner)";
  else if (evidence.deadline_passed)
    detail += " (deadline passed)";
  if (!evidence.last_log_line.empty())
    detail += fmt::format(" (libav said: {})", evidence.last_log_line);
  return capture_failure{kind, redact_credentials(detail, ctx.endpoint)};
}

/// Whether the SDP already told libav enough to start the decoder: probing
/// would only delay the first key frame.
bool has_codec_setup(const AVCodecParameters& params) {
  return params.codec_id != AV_CODEC_ID_NONE &&
         (params.extradata_size > 0 || (params.width > 0 && params.height > 0));
}

/// Reads until a key frame decodes, then encodes it. The input is open.
capture_result read_key_frame(capture_context& ctx, rtsp_input& input, const std::string& path) {
  ctx.enter(capture_phase::waiting_for_key_frame);
  input.set_deadline(ctx.capture_deadline);
  AVFormatContext* format = input.context();

  // Find the video stream; probe only when the SDP left the codec unknown.
  int video_index = -1;
  for (unsigned i = 0; i < format->nb_streams && video_index < 0; ++i)
    if (format->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO)
      video_index = static_cast<int>(i);
  if (video_index < 0)
    return failure_of_call(ctx, input, path, capture_phase::negotiating, "offers no video stream",
                           AVERROR_STREAM_NOT_FOUND);
  AVStream* stream = format->streams[video_index];
  if (!has_codec_setup(*stream->codecpar)) {
    format->probesize = probe_size_bytes;
    format->max_analyze_duration = probe_duration_us;
    if (int rc = avformat_find_stream_info(format, nullptr); rc < 0)
      return failure_of_call(ctx, input, path, capture_phase::waiting_for_key_frame,
                             "probing the stream", rc);
  }

  // The decoder is opened only once the key frame is in: FFmpeg's H.264
  // decoder takes about 1 MiB (its context is zeroed at once), and a capture
  // waits up to a whole GOP for its key frame. Opened up front, 64 captures in
  // flight held some 60 MiB of idle decoders (docs/benchmarks.md).
  key_frame_decoder decoder;

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
    if (int rc = av_read_frame(format, packet.get()); rc < 0)
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
      if (int rc = decoder.open(*stream->codecpar, stream->time_base); rc < 0)
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
  ctx.log_scope.clear_last_problem();
  auto url = rtsp_url(ctx.endpoint, path);
  auto connect_deadline = std::min(clock::now() + ctx.budget.connect, ctx.capture_deadline);
  // Each socket wait ends within the budget even if libav forgot to ask the
  // interrupt callback.
  auto socket_timeout = std::chrono::duration_cast<std::chrono::microseconds>(
      std::max(ctx.budget.connect, ctx.budget.capture));

  rtsp_input input{ctx.cancel, ctx.budget.teardown};
  ctx.enter(capture_phase::connecting);
  // libav negotiates inside one call; its DESCRIBE is where connecting ends.
  ctx.log_scope.on_rtsp_request([&ctx](std::string_view method) {
    if (method == "DESCRIBE" && ctx.phase == capture_phase::connecting)
      ctx.enter(capture_phase::negotiating);
  });
  int rc = input.open(url, connect_deadline, socket_timeout);
  ctx.log_scope.on_rtsp_request({});
  if (rc < 0)
    return failure_of_call(ctx, input, path, ctx.phase, "open failed", rc);

  auto result = read_key_frame(ctx, input, path);

  ctx.enter(capture_phase::tearing_down);
  input.close();
  return result;
}

bool is_not_found(const capture_result& result) {
  const auto* failure = std::get_if<capture_failure>(&result);
  return failure != nullptr && failure->kind == failure_kind::not_found;
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

  auto result = attempt(ctx, endpoint.path);

  // A camera without the configured path may still have the fallback (for
  // instance only a sub stream); try it once in what is left of the budget.
  if (is_not_found(result) && !endpoint.fallback_path.empty() && !cancel.load() &&
      clock::now() < ctx.capture_deadline) {
    spdlog::debug("camera={} {} not found, trying fallback {}", camera_id,
                  rtsp_display_url(endpoint, endpoint.path),
                  rtsp_display_url(endpoint, endpoint.fallback_path));
    auto main_detail = std::get<capture_failure>(result).detail;
    result = attempt(ctx, endpoint.fallback_path);
    if (auto* failure = std::get_if<capture_failure>(&result))
      failure->detail += "; before that, " + main_detail;
  }
  return result;
}

} // namespace camfleet
