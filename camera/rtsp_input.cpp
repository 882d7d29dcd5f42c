#include "camera/rtsp_input.hpp"

#include "camera/av_log_bridge.hpp"

#include <spdlog/spdlog.h>

namespace camfleet {

rtsp_input::rtsp_input(const std::atomic<bool>& cancel, std::chrono::milliseconds teardown_budget)
  : cancel_(cancel), teardown_budget_(teardown_budget) {
  // nop
}

rtsp_input::~rtsp_input() {
  close();
}

int rtsp_input::open(const std::string& url, clock::time_point deadline,
                     std::chrono::microseconds socket_timeout) {
  close();
  set_deadline(deadline);
  interrupt_.cancel = &cancel_;

  libav::format_input_ptr ctx{avformat_alloc_context()};
  if (ctx == nullptr)
    return AVERROR(ENOMEM);
  ctx->interrupt_callback.callback = &rtsp_input::interrupt;
  ctx->interrupt_callback.opaque = &interrupt_;

  // RTP inside the RTSP connection survives NAT and lossy links; the audio
  // track Tapo offers is never set up; no socket wait is unbounded.
  libav::dictionary_ptr options;
  av_dict_set(libav::lend(options), "rtsp_transport", "tcp", 0);
  av_dict_set(libav::lend(options), "allowed_media_types", "video", 0);
  // PLAY is sent below, once the context is ours: if the deadline cuts PLAY
  // short, close() can still TEARDOWN the session that SETUP created.
  av_dict_set(libav::lend(options), "initial_pause", "1", 0);
  av_dict_set_int(libav::lend(options), "timeout", socket_timeout.count(), 0);

  // On failure avformat_open_input frees the context and leaves null behind.
  int rc = avformat_open_input(libav::lend(ctx), url.c_str(), nullptr, libav::lend(options));
  if (rc < 0)
    return rc;

  // An option libav did not take means a renamed option (FFmpeg 5 dropped
  // `stimeout`, for one) and possibly unbounded waits.
  const AVDictionaryEntry* unused = nullptr;
  const auto* scope = av_log_scope::current();
  while ((unused = av_dict_get(options.get(), "", unused, AV_DICT_IGNORE_SUFFIX)) != nullptr)
    spdlog::warn("camera={} libav ignored RTSP option {}={}: socket waits may be unbounded",
                 scope != nullptr ? scope->camera_id() : "?", unused->key, unused->value);

  // From here on the camera holds a session, so the context is kept even if
  // PLAY fails: the caller's close() tears the session down on a fresh
  // budget. A deadline that passes while the SETUP reply is still on its way
  // leaves a session whose id we never learnt; only the camera's session
  // timeout frees that one.
  ctx_ = std::move(ctx);
  return av_read_play(ctx_.get());
}

void rtsp_input::set_deadline(clock::time_point deadline) noexcept {
  interrupt_.deadline = deadline;
  interrupt_.deadline_tripped = false;
}

bool rtsp_input::deadline_passed() const noexcept {
  return interrupt_.deadline_tripped || clock::now() >= interrupt_.deadline;
}

void rtsp_input::close() noexcept {
  if (ctx_ == nullptr)
    return;
  interrupt_.cancel = nullptr;
  set_deadline(clock::now() + teardown_budget_);
  ctx_.reset();
}

int rtsp_input::interrupt(void* opaque) noexcept {
  auto* state = static_cast<interrupt_state*>(opaque);
  if (state->cancel != nullptr && state->cancel->load(std::memory_order_relaxed))
    return 1;
  if (clock::now() >= state->deadline) {
    state->deadline_tripped = true;
    return 1;
  }
  return 0;
}

} // namespace camfleet
