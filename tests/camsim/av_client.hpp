// A libavformat RTSP client for camsim's integration tests, used the way
// camfleet uses it: RTP over TCP, video only, no probing, and an interrupt
// callback with a deadline so that no call can hang a test.

#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>

extern "C" {
#include <libavformat/avformat.h>
}

namespace camfleet::camsim::test {

struct packet_free {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
using packet_ptr = std::unique_ptr<AVPacket, packet_free>;

class av_client {
 public:
  av_client() = default;
  ~av_client();

  av_client(const av_client&) = delete;
  av_client& operator=(const av_client&) = delete;

  /// avformat_open_input within `budget`: OPTIONS, DESCRIBE, SETUP and PLAY.
  /// Returns 0 or a negative AVERROR.
  int open(const std::string& url, std::chrono::milliseconds budget);

  /// The next packet within `budget`, or a negative AVERROR.
  int read(packet_ptr& packet, std::chrono::milliseconds budget);

  /// Reads until a key frame within `budget`; 0 with the packet, or an error.
  int read_key_frame(packet_ptr& packet, std::chrono::milliseconds budget);

  /// Closes with a fresh budget, so that FFmpeg sends TEARDOWN.
  void close();

  /// Closes with the interrupt tripped: FFmpeg skips TEARDOWN and just drops
  /// the connection, as the orphaned ffmpeg processes of the incident did.
  void abandon();

  /// The (only) video stream's codec parameters.
  const AVCodecParameters* video() const;

  bool is_open() const noexcept { return ctx_ != nullptr; }

 private:
  static int interrupted(void* opaque);
  void arm(std::chrono::milliseconds budget);

  AVFormatContext* ctx_ = nullptr;
  std::chrono::steady_clock::time_point deadline_{};
  bool cancelled_ = false;
};

/// Decodes one key-frame packet with the stream's parameters and returns the
/// picture's width and height; {0, 0} when nothing decodes.
std::pair<int, int> decode_size(const AVCodecParameters& params, const AVPacket& packet);

/// av_strerror as a string, for test messages.
std::string av_error(int code);

} // namespace camfleet::camsim::test
