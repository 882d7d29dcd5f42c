#include "camera/video_decoder.hpp"

namespace camfleet {

int video_decoder::open(const AVCodecParameters& params, AVRational packet_time_base,
                        decode_mode mode) {
  const AVCodec* codec = avcodec_find_decoder(params.codec_id);
  if (codec == nullptr)
    return AVERROR_DECODER_NOT_FOUND;
  libav::codec_context_ptr ctx{avcodec_alloc_context3(codec)};
  if (ctx == nullptr)
    return AVERROR(ENOMEM);
  if (int rc = avcodec_parameters_to_context(ctx.get(), &params); rc < 0)
    return rc;
  ctx->pkt_timebase = packet_time_base;
  ctx->thread_count = 1;
  ctx->thread_type = 0;
  if (mode == decode_mode::key_frames)
    ctx->skip_frame = AVDISCARD_NONKEY;
  // Without reordering delay a picture comes out of the packet that carries
  // it, instead of after the next few.
  ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
  if (int rc = avcodec_open2(ctx.get(), codec, nullptr); rc < 0)
    return rc;
  ctx_ = std::move(ctx);
  return 0;
}

int video_decoder::decode(const AVPacket& packet, AVFrame& frame) {
  if (ctx_ == nullptr)
    return AVERROR(EINVAL);
  int rc = avcodec_send_packet(ctx_.get(), &packet);
  // EAGAIN here means a frame is waiting to be received first.
  if (rc < 0 && rc != AVERROR(EAGAIN))
    return rc;
  return avcodec_receive_frame(ctx_.get(), &frame);
}

} // namespace camfleet
