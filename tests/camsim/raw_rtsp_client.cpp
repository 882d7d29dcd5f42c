#include "tests/camsim/raw_rtsp_client.hpp"

#include <array>
#include <cstdlib>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

namespace camfleet::camsim::test {

using boost::asio::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::string rtsp_reply::header(const std::string& name) const {
  auto pos = head.find("\r\n" + name + ": ");
  if (pos == std::string::npos)
    return {};
  pos += name.size() + 4;
  return head.substr(pos, head.find("\r\n", pos) - pos);
}

raw_rtsp_client::raw_rtsp_client() : socket_(io_) {}

boost::system::error_code raw_rtsp_client::connect(const std::string& address, std::uint16_t port,
                                                   milliseconds budget) {
  boost::system::error_code result = boost::asio::error::timed_out;
  tcp::endpoint endpoint{boost::asio::ip::make_address(address), port};
  socket_.async_connect(endpoint, [&](boost::system::error_code ec) { result = ec; });
  io_.restart();
  io_.run_for(budget);
  if (result == boost::asio::error::timed_out) {
    // Let the aborted handler run now: it refers to `result`.
    close();
    io_.restart();
    io_.run();
    return boost::asio::error::timed_out;
  }
  return result;
}

boost::system::error_code raw_rtsp_client::read_more(milliseconds budget) {
  std::array<char, 8192> chunk;
  boost::system::error_code result = boost::asio::error::timed_out;
  bool done = false;
  socket_.async_read_some(boost::asio::buffer(chunk),
                          [&](boost::system::error_code ec, std::size_t size) {
                            done = true;
                            result = ec;
                            buffer_.append(chunk.data(), size);
                          });
  io_.restart();
  io_.run_for(budget);
  if (!done) {
    // Cancel and let the handler run, so `chunk` is not written after return.
    socket_.cancel();
    io_.restart();
    io_.run();
  }
  return done ? result : boost::asio::error::timed_out;
}

std::optional<rtsp_reply> raw_rtsp_client::request(const std::string& method,
                                                   const std::string& uri,
                                                   const std::string& extra_headers,
                                                   milliseconds budget) {
  auto deadline = steady_clock::now() + budget;
  auto text = method + " " + uri + " RTSP/1.0\r\nCSeq: " + std::to_string(++cseq_) + "\r\n" +
              extra_headers + "\r\n";
  boost::system::error_code ec;
  boost::asio::write(socket_, boost::asio::buffer(text), ec);
  if (ec)
    return std::nullopt;

  // Bounded by the deadline; each pass either completes a reply or reads.
  for (;;) {
    // Skip interleaved RTP that precedes the reply.
    while (buffer_.size() >= 4 && buffer_[0] == '$') {
      auto length = (static_cast<std::size_t>(static_cast<unsigned char>(buffer_[2])) << 8) |
                    static_cast<unsigned char>(buffer_[3]);
      if (buffer_.size() < 4 + length)
        break;
      buffer_.erase(0, 4 + length);
    }
    auto end = buffer_.find("\r\n\r\n");
    if (!buffer_.empty() && buffer_[0] != '$' && end != std::string::npos) {
      rtsp_reply reply;
      reply.head = buffer_.substr(0, end + 2);
      reply.status_line = reply.head.substr(0, reply.head.find("\r\n"));
      if (reply.status_line.rfind("RTSP/1.0 ", 0) == 0)
        reply.status = std::atoi(reply.status_line.c_str() + 9);
      auto length = static_cast<std::size_t>(std::atoi(reply.header("Content-Length").c_str()));
      if (buffer_.size() >= end + 4 + length) {
        reply.body = buffer_.substr(end + 4, length);
        buffer_.erase(0, end + 4 + length);
        return reply;
      }
    }
    auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0 || read_more(left))
      return std::nullopt;
  }
}

boost::system::error_code raw_rtsp_client::drain(milliseconds budget, std::size_t& bytes) {
  auto deadline = steady_clock::now() + budget;
  bytes = buffer_.size();
  buffer_.clear();
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0)
      return boost::asio::error::timed_out;
    auto ec = read_more(left);
    bytes += buffer_.size();
    buffer_.clear();
    if (ec)
      return ec;
  }
}

void raw_rtsp_client::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

} // namespace camfleet::camsim::test
