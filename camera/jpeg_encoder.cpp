#include "camera/jpeg_encoder.hpp"

#include "camera/libav_ptr.hpp"

#include <algorithm>

namespace camfleet {

namespace {

/// Decoders still output the deprecated YUVJ formats for full-range streams,
/// and swscale warns about each one; the plain format plus a range flag says
/// the same without the warning (which would also become the capture's
/// "last libav problem").
AVPixelFormat without_jpeg_alias(AVPixelFormat format, bool& full_range) {
  switch (format) {
  case AV_PIX_FMT_YUVJ420P:
    full_range = true;
    return AV_PIX_FMT_YUV420P;
  case AV_PIX_FMT_YUVJ422P:
    full_range = true;
    return AV_PIX_FMT_YUV422P;
  case AV_PIX_FMT_YUVJ444P:
    full_range = true;
    return AV_PIX_FMT_YUV444P;
  case AV_PIX_FMT_YUVJ440P:
    full_range = true;
    return AV_PIX_FMT_YUV440P;
  case AV_PIX_FMT_YUVJ411P:
    full_range = true;
    return AV_PIX_FMT_YUV411P;
  default:
    return format;
  }
}

/// Converts to full-range 4:2:0 (what baseline JPEG means; cameras send
/// limited-range H.264), same size.
int to_jpeg_picture(const AVFrame& frame, libav::frame_ptr& picture) {
  bool full_range = frame.color_range == AVCOL_RANGE_JPEG;
  auto format = without_jpeg_alias(static_cast<AVPixelFormat>(frame.format), full_range);
  libav::sws_context_ptr sws{sws_getContext(frame.width, frame.height, format, frame.width,
                                            frame.height, AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr,
                                            nullptr, nullptr)};
  if (sws == nullptr)
    return AVERROR(EINVAL);
  // Only the range changes between YUV formats; the matrix table is required
  // but unused. A failure here would only shift the colours, so it is ignored.
  const int* table = sws_getCoefficients(SWS_CS_DEFAULT);
  sws_setColorspaceDetails(sws.get(), table, full_range ? 1 : 0, table, 1, 0, 1 << 16, 1 << 16);

  picture.reset(av_frame_alloc());
  if (picture == nullptr)
    return AVERROR(ENOMEM);
  picture->format = AV_PIX_FMT_YUV420P;
  picture->width = frame.width;
  picture->height = frame.height;
  picture->color_range = AVCOL_RANGE_JPEG;
  if (int rc = av_frame_get_buffer(picture.get(), 0); rc < 0)
    return rc;
  int rows = sws_scale(sws.get(), frame.data, frame.linesize, 0, frame.height, picture->data,
                       picture->linesize);
  return rows == frame.height ? 0 : AVERROR(EINVAL);
}

} // namespace

int encode_jpeg(const AVFrame& frame, std::vector<std::uint8_t>& jpeg, int qscale) {
  if (frame.width <= 0 || frame.height <= 0 || frame.format < 0)
    return AVERROR(EINVAL);
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (codec == nullptr)
    return AVERROR_ENCODER_NOT_FOUND;

  libav::frame_ptr picture;
  if (int rc = to_jpeg_picture(frame, picture); rc < 0)
    return rc;

  // A fixed quantiser: the default rate control aims at a bitrate, which
  // means nothing for a single picture.
  libav::codec_context_ptr ctx{avcodec_alloc_context3(codec)};
  if (ctx == nullptr)
    return AVERROR(ENOMEM);
  ctx->width = frame.width;
  ctx->height = frame.height;
  ctx->pix_fmt = AV_PIX_FMT_YUV420P;
  ctx->color_range = AVCOL_RANGE_JPEG;
  ctx->time_base = AVRational{1, 25};
  ctx->thread_count = 1;
  ctx->flags |= AV_CODEC_FLAG_QSCALE;
  ctx->global_quality = FF_QP2LAMBDA * std::clamp(qscale, 2, 31);
  if (int rc = avcodec_open2(ctx.get(), codec, nullptr); rc < 0)
    return rc;
  picture->quality = ctx->global_quality;
  picture->pts = 0;

  // One picture in, end of stream, one packet out.
  if (int rc = avcodec_send_frame(ctx.get(), picture.get()); rc < 0)
    return rc;
  if (int rc = avcodec_send_frame(ctx.get(), nullptr); rc < 0)
    return rc;
  libav::packet_ptr packet{av_packet_alloc()};
  if (packet == nullptr)
    return AVERROR(ENOMEM);
  if (int rc = avcodec_receive_packet(ctx.get(), packet.get()); rc < 0)
    return rc;
  jpeg.assign(packet->data, packet->data + packet->size);
  return 0;
}

} // namespace camfleet
