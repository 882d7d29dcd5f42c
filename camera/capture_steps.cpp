#include "camera/capture_steps.hpp"

#include "camera/failure_classify.hpp"
#include "camera/redact.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace camfleet {

namespace {

/// When the SDP lacks the codec setup, how much libav may read to find it.
constexpr int64_t probe_size_bytes = 512 * 1024;
constexpr int64_t probe_duration_us = 1'000'000;

/// Whether the SDP already told libav enough to start the decoder: probing
/// would only delay the first key frame.
bool has_codec_setup(const AVCodecParameters& params) {
  return params.codec_id != AV_CODEC_ID_NONE &&
         (params.extradata_size > 0 || (params.width > 0 && params.height > 0));
}

} // namespace

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

int open_path(capture_context& ctx, rtsp_input& input, const std::string& path) {
  ctx.log_scope.clear_last_problem();
  auto url = rtsp_url(ctx.endpoint, path);
  auto connect_deadline =
      std::min(capture_context::clock::now() + ctx.budget.connect, ctx.capture_deadline);
  // Each socket wait ends within the budget even if libav forgot to ask the
  // interrupt callback.
  auto socket_timeout = std::chrono::duration_cast<std::chrono::microseconds>(
      std::max(ctx.budget.connect, ctx.budget.capture));

  ctx.enter(capture_phase::connecting);
  // libav negotiates inside one call; its DESCRIBE is where connecting ends.
  ctx.log_scope.on_rtsp_request([&ctx](std::string_view method) {
    if (method == "DESCRIBE" && ctx.phase == capture_phase::connecting)
      ctx.enter(capture_phase::negotiating);
  });
  int rc = input.open(url, connect_deadline, socket_timeout);
  ctx.log_scope.on_rtsp_request({});
  return rc;
}

std::variant<int, capture_failure> find_video_stream(capture_context& ctx, rtsp_input& input,
                                                     const std::string& path) {
  ctx.enter(capture_phase::waiting_for_key_frame);
  input.set_deadline(ctx.capture_deadline);
  AVFormatContext* format = input.context();
  int video_index = -1;
  for (unsigned i = 0; i < format->nb_streams && video_index < 0; ++i)
    if (format->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO)
      video_index = static_cast<int>(i);
  if (video_index < 0)
    return failure_of_call(ctx, input, path, capture_phase::negotiating, "offers no video stream",
                           AVERROR_STREAM_NOT_FOUND);
  // Probe only when the SDP left the codec unknown.
  if (!has_codec_setup(*format->streams[video_index]->codecpar)) {
    format->probesize = probe_size_bytes;
    format->max_analyze_duration = probe_duration_us;
    if (int rc = avformat_find_stream_info(format, nullptr); rc < 0)
      return failure_of_call(ctx, input, path, capture_phase::waiting_for_key_frame,
                             "probing the stream", rc);
  }
  return video_index;
}

} // namespace camfleet
