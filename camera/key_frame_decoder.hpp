// A video decoder set up to turn the first key frame into a picture quickly.

#pragma once

#include "camera/libav_ptr.hpp"

namespace camfleet {

/// Decodes key frames only (skip_frame=nokey), with low delay, on the calling
/// thread (thread_count=1: decoder worker threads would log without the
/// camera's av_log_scope).
class key_frame_decoder {
 public:
  /// Opens a decoder for a stream. Returns 0 or a negative AVERROR.
  int open(const AVCodecParameters& params, AVRational packet_time_base);

  /// Feeds one packet. Returns 0 when `frame` holds a picture, AVERROR(EAGAIN)
  /// when the decoder wants more packets first (flow control, not a failure),
  /// or another negative AVERROR.
  int decode(const AVPacket& packet, AVFrame& frame);

 private:
  libav::codec_context_ptr ctx_;
};

} // namespace camfleet
