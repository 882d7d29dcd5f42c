// A hand-driven RTSP client for what libavformat will not do on purpose:
// exact status lines, UDP transport requests, keep-alives on a schedule,
// watching how a connection ends. Every call takes a budget.

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace camfleet::camsim::test {

struct rtsp_reply {
  int status = 0;
  std::string status_line;
  std::string head;
  std::string body;

  /// The value of header `name` (exact case), or empty.
  std::string header(const std::string& name) const;
};

class raw_rtsp_client {
 public:
  raw_rtsp_client();

  boost::system::error_code connect(const std::string& address, std::uint16_t port,
                                    std::chrono::milliseconds budget);

  /// Sends `method uri` with CSeq and `extra_headers` (each ending in CRLF)
  /// and reads the reply, skipping interleaved RTP. Nothing when no complete
  /// reply came within the budget or the connection ended.
  std::optional<rtsp_reply> request(const std::string& method, const std::string& uri,
                                    const std::string& extra_headers,
                                    std::chrono::milliseconds budget);

  /// Reads whatever comes until the connection ends or the budget runs out;
  /// returns how it ended (eof, connection_reset, or timed_out) and counts
  /// the bytes.
  boost::system::error_code drain(std::chrono::milliseconds budget, std::size_t& bytes);

  void close();

 private:
  boost::system::error_code read_more(std::chrono::milliseconds budget);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string buffer_;
  int cseq_ = 0;
};

} // namespace camfleet::camsim::test
