// A live-view viewer for tests: one HTTP connection to camfleetd's
// /v1/cameras/{id}/live, read on a thread of its own and parsed as the
// multipart MJPEG stream it is, until the server ends it or the test
// disconnects.

#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace camfleet::live_test {

class mjpeg_client {
 public:
  /// Connects to 127.0.0.1:`port` and sends GET `target`.
  mjpeg_client(std::uint16_t port, const std::string& target);

  /// Disconnects, as close() does.
  ~mjpeg_client();

  mjpeg_client(const mjpeg_client&) = delete;
  mjpeg_client& operator=(const mjpeg_client&) = delete;

  /// The viewer leaves: the connection is closed and the reader joined.
  void close();

  /// The HTTP status, once the status line arrived (0 before).
  int status() const;
  /// The body of an answer that is not a stream (an error), once complete.
  std::string body() const;
  /// Complete JPEG parts received so far.
  std::size_t frames() const;
  /// Every part so far was a whole JPEG (SOI at its start, EOI at its end)
  /// with the advertised Content-Length.
  bool parts_well_formed() const;
  /// The server closed the connection.
  bool ended() const;
  /// The stream ended with the closing boundary (an orderly end).
  bool saw_closing_boundary() const;

 private:
  void read_loop();
  void parse();

  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread reader_;

  mutable std::mutex mutex_;
  std::string buffer_;
  bool headers_done_ = false;
  int status_ = 0;
  std::size_t content_length_ = 0;
  bool has_content_length_ = false;
  bool multipart_ = false;
  std::size_t parse_at_ = 0;
  std::size_t frames_ = 0;
  bool well_formed_ = true;
  bool ended_ = false;
  bool closing_boundary_ = false;
};

} // namespace camfleet::live_test
