// One client's TCP connection to a simulated camera: reading and parsing
// requests, sending replies (late, when the camera is slow), and pacing the
// interleaved RTP stream after PLAY with a timer.
//
// Requests are handled one at a time in arrival order; a delayed reply holds
// back the ones behind it, as on a real camera with one control thread.

#pragma once

#include "tools/camsim/rtsp_dialog.hpp"
#include "tools/camsim/rtsp_request.hpp"
#include "tools/camsim/session_table.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace camfleet::camsim {

class camera;

class rtsp_connection : public std::enable_shared_from_this<rtsp_connection> {
 public:
  rtsp_connection(camera& owner, boost::asio::ip::tcp::socket socket, std::uint64_t id);

  void start();

  /// Closes at once (FIN); idempotent. Tells the camera, once.
  void close();

  /// Closes with an RST (SO_LINGER 0), as a crashing camera does.
  void reset();

 private:
  void read();
  void process();
  void handle(const rtsp_request& request);
  void apply(dialog_outcome outcome);
  /// False when the bytes were not queued (closing, or a media backlog).
  bool send(std::string bytes, bool is_media);
  void write_next();
  void close_after_flush();
  /// After a failed write: acts on the requests already received, then closes.
  void close_after_reading();

  void start_stream();
  steady_time next_frame_due() const;
  void schedule_frame();
  void on_frame();
  void send_frame(std::size_t index);
  bool stalled() const;

  camera& camera_;
  boost::asio::ip::tcp::socket socket_;
  std::uint64_t id_;
  std::string peer_;
  boost::asio::steady_timer reply_timer_;
  boost::asio::steady_timer frame_timer_;
  rtsp_request_parser parser_;
  rtsp_dialog dialog_;
  std::array<char, 4096> read_buffer_{};

  std::deque<std::string> out_;
  std::size_t out_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
  /// A delayed reply is pending: later requests wait for it.
  bool busy_ = false;

  bool playing_ = false;
  std::uint64_t frames_since_play_ = 0;
  std::size_t clip_index_ = 0;
  /// Frame times are origin + ticks / fps, so rounding never accumulates.
  std::chrono::steady_clock::time_point origin_;
  std::uint64_t ticks_ = 0;
  std::uint64_t frame_number_ = 0;
  std::uint16_t next_sequence_ = 0;
};

} // namespace camfleet::camsim
