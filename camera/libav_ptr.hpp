// Owning pointers for libav objects.
//
// Each alias frees its object with libav's own function, so a libav object
// has exactly one owner and is released on every path out of a scope. A raw
// libav pointer in camfleet never owns; it is borrowed from one of these.
//
// FFmpeg wants codec contexts freed before the format context whose streams
// they decode: declare the format context first (it is destroyed last).
//
// This is the one camera/ header that includes libav: code that uses it links
// PkgConfig::LIBAV itself.

#pragma once

#include <memory>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

namespace camfleet::libav {

/// Closes an opened input (this sends RTSP TEARDOWN, see rtsp_input) or frees
/// an allocated one that was never opened.
struct format_input_deleter {
  void operator()(AVFormatContext* ctx) const noexcept { avformat_close_input(&ctx); }
};

struct codec_context_deleter {
  void operator()(AVCodecContext* ctx) const noexcept { avcodec_free_context(&ctx); }
};

struct frame_deleter {
  void operator()(AVFrame* frame) const noexcept { av_frame_free(&frame); }
};

struct packet_deleter {
  void operator()(AVPacket* pkt) const noexcept { av_packet_free(&pkt); }
};

struct dictionary_deleter {
  void operator()(AVDictionary* dict) const noexcept { av_dict_free(&dict); }
};

struct sws_context_deleter {
  void operator()(SwsContext* ctx) const noexcept { sws_freeContext(ctx); }
};

using format_input_ptr = std::unique_ptr<AVFormatContext, format_input_deleter>;
using codec_context_ptr = std::unique_ptr<AVCodecContext, codec_context_deleter>;
using frame_ptr = std::unique_ptr<AVFrame, frame_deleter>;
using packet_ptr = std::unique_ptr<AVPacket, packet_deleter>;
using dictionary_ptr = std::unique_ptr<AVDictionary, dictionary_deleter>;
using sws_context_ptr = std::unique_ptr<SwsContext, sws_context_deleter>;

/// Some libav functions take `T**` and replace or free the object behind it
/// (avformat_open_input frees the context when it fails, av_dict_set may
/// reallocate the dictionary). lend() hands such a call the owned pointer and
/// takes back whatever the call left there, at the end of the full expression:
///   av_dict_set(libav::lend(options), "rtsp_transport", "tcp", 0);
template <class T, class Deleter>
class lent_pointer {
 public:
  explicit lent_pointer(std::unique_ptr<T, Deleter>& owner) noexcept
    : owner_(owner), raw_(owner.release()) {
    // nop
  }

  ~lent_pointer() { owner_.reset(raw_); }

  lent_pointer(const lent_pointer&) = delete;
  lent_pointer& operator=(const lent_pointer&) = delete;

  operator T**() noexcept { return &raw_; }

 private:
  std::unique_ptr<T, Deleter>& owner_;
  T* raw_;
};

template <class T, class Deleter>
lent_pointer<T, Deleter> lend(std::unique_ptr<T, Deleter>& owner) noexcept {
  return lent_pointer<T, Deleter>{owner};
}

} // namespace camfleet::libav
