// A video decoder set up for low delay: a snapshot's key frame, or a live
// stream's pictures, come out of the packet that carries them.

#pragma once

#include "camera/libav_ptr.hpp"

namespace camfleet {

/// What a decoder turns into pictures.
enum class decode_mode {
  /// Key frames only (skip_frame=nokey): a snapshot needs nothing else.
  key_frames,
  /// Every picture: the frames between key frames refer to the ones before
  /// them, so a live view must decode them all.
  all_frames,
};

/// Decodes with low delay on the calling thread (thread_count=1: decoder
/// worker threads would log without the camera's av_log_scope).
class video_decoder {
 public:
  /// Opens a decoder for a stream. Returns 0 or a negative AVERROR.
  int open(const AVCodecParameters& params, AVRational packet_time_base, decode_mode mode);

  /// Feeds one packet. Returns 0 when `frame` holds a picture, AVERROR(EAGAIN)
  /// when the decoder wants more packets first (flow control, not a failure),
  /// or another negative AVERROR.
  int decode(const AVPacket& packet, AVFrame& frame);

 private:
  libav::codec_context_ptr ctx_;
};

} // namespace camfleet
