#include "tests/camsim/av_client.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
}

namespace camfleet::camsim::test {

namespace {

// TEARDOWN on loopback takes a millisecond; two seconds is a bound, not a wait.
constexpr auto close_budget = std::chrono::seconds{2};

struct codec_context_free {
  void operator()(AVCodecContext* ctx) const { avcodec_free_context(&ctx); }
};
struct frame_free {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};

} // namespace

av_client::~av_client() {
  close();
}

int av_client::interrupted(void* opaque) {
  auto* self = static_cast<av_client*>(opaque);
  return self->cancelled_ || std::chrono::steady_clock::now() > self->deadline_ ? 1 : 0;
}

void av_client::arm(std::chrono::milliseconds budget) {
  cancelled_ = false;
  deadline_ = std::chrono::steady_clock::now() + budget;
}

int av_client::open(const std::string& url, std::chrono::milliseconds budget) {
  close();
  ctx_ = avformat_alloc_context();
  if (ctx_ == nullptr)
    return AVERROR(ENOMEM);
  ctx_->interrupt_callback = {&av_client::interrupted, this};
  arm(budget);

  AVDictionary* options = nullptr;
  av_dict_set(&options, "rtsp_transport", "tcp", 0);
  av_dict_set(&options, "allowed_media_types", "video", 0);
  // Socket I/O timeout in microseconds; the interrupt callback is the real bound.
  av_dict_set(&options, "timeout", "3000000", 0);
  auto err = avformat_open_input(&ctx_, url.c_str(), nullptr, &options);
  av_dict_free(&options);
  // On failure avformat_open_input has freed the context and set it to null.
  return err;
}

int av_client::read(packet_ptr& packet, std::chrono::milliseconds budget) {
  if (ctx_ == nullptr)
    return AVERROR(EINVAL);
  if (!packet)
    packet.reset(av_packet_alloc());
  av_packet_unref(packet.get());
  arm(budget);
  return av_read_frame(ctx_, packet.get());
}

int av_client::read_key_frame(packet_ptr& packet, std::chrono::milliseconds budget) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  // Bounded by the deadline: every read gets only what is left of it.
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return AVERROR(ETIMEDOUT);
    auto err = read(packet, left);
    if (err < 0)
      return err;
    if (packet->flags & AV_PKT_FLAG_KEY)
      return 0;
  }
}

void av_client::close() {
  if (ctx_ == nullptr)
    return;
  arm(close_budget);
  avformat_close_input(&ctx_);
}

void av_client::abandon() {
  if (ctx_ == nullptr)
    return;
  cancelled_ = true;
  avformat_close_input(&ctx_);
}

const AVCodecParameters* av_client::video() const {
  if (ctx_ == nullptr)
    return nullptr;
  for (unsigned i = 0; i < ctx_->nb_streams; ++i)
    if (ctx_->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO)
      return ctx_->streams[i]->codecpar;
  return nullptr;
}

std::pair<int, int> decode_size(const AVCodecParameters& params, const AVPacket& packet) {
  const auto* codec = avcodec_find_decoder(params.codec_id);
  if (codec == nullptr)
    return {0, 0};
  std::unique_ptr<AVCodecContext, codec_context_free> ctx{avcodec_alloc_context3(codec)};
  std::unique_ptr<AVFrame, frame_free> frame{av_frame_alloc()};
  if (!ctx || !frame || avcodec_parameters_to_context(ctx.get(), &params) < 0 ||
      avcodec_open2(ctx.get(), codec, nullptr) < 0)
    return {0, 0};
  if (avcodec_send_packet(ctx.get(), &packet) < 0)
    return {0, 0};
  avcodec_send_packet(ctx.get(), nullptr);
  if (avcodec_receive_frame(ctx.get(), frame.get()) < 0)
    return {0, 0};
  return {frame->width, frame->height};
}

std::string av_error(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return std::to_string(code) + " (" + text + ")";
}

} // namespace camfleet::camsim::test
