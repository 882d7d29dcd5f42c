#include "tests/live/mjpeg_client.hpp"

#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace camfleet::live_test {

namespace {

constexpr const char* boundary = "--camfleet-frame";

std::string lower(std::string text) {
  for (auto& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The value of header `name` in `headers` (case-insensitive), or "".
std::string header_value(const std::string& headers, const std::string& name) {
  auto low = lower(headers);
  auto at = low.find("\r\n" + lower(name) + ":");
  if (at == std::string::npos)
    return {};
  auto start = at + 3 + name.size();
  auto end = headers.find("\r\n", start);
  auto value = headers.substr(start, end - start);
  auto first = value.find_first_not_of(' ');
  return first == std::string::npos ? std::string{} : value.substr(first);
}

} // namespace

mjpeg_client::mjpeg_client(std::uint16_t port, const std::string& target) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd_);
    throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + " failed");
  }
  auto request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd_);
    throw std::runtime_error("sending the request failed");
  }
  reader_ = std::thread{[this] { read_loop(); }};
}

mjpeg_client::~mjpeg_client() {
  close();
}

void mjpeg_client::close() {
  if (!reader_.joinable())
    return;
  stop_ = true;
  reader_.join();
  ::close(fd_);
  fd_ = -1;
}

void mjpeg_client::read_loop() {
  char chunk[64 * 1024];
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0)
      continue;
    auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    std::lock_guard<std::mutex> lock{mutex_};
    if (n <= 0) {
      ended_ = true;
      return;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    parse();
  }
}

void mjpeg_client::parse() {
  if (!headers_done_) {
    auto end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos)
      return;
    auto headers = buffer_.substr(0, end + 2);
    if (headers.size() > 12)
      status_ = std::atoi(headers.c_str() + 9);
    multipart_ = header_value(headers, "Content-Type").find("multipart/x-mixed-replace") == 0;
    auto length = header_value(headers, "Content-Length");
    has_content_length_ = !length.empty();
    content_length_ = has_content_length_ ? std::stoul(length) : 0;
    headers_done_ = true;
    parse_at_ = end + 4;
  }
  if (!multipart_)
    return;
  for (;;) {
    auto start = buffer_.find(boundary, parse_at_);
    if (start == std::string::npos)
      return;
    auto after = start + std::strlen(boundary);
    if (buffer_.size() < after + 2)
      return;
    if (buffer_.compare(after, 2, "--") == 0) {
      closing_boundary_ = true;
      parse_at_ = after + 2;
      return;
    }
    auto headers_end = buffer_.find("\r\n\r\n", after);
    if (headers_end == std::string::npos)
      return;
    auto part_headers = buffer_.substr(after, headers_end + 2 - after);
    auto length_text = header_value(part_headers, "Content-Length");
    if (length_text.empty() || header_value(part_headers, "Content-Type") != "image/jpeg") {
      well_formed_ = false;
      parse_at_ = headers_end + 4;
      continue;
    }
    auto length = std::stoul(length_text);
    auto data = headers_end + 4;
    if (buffer_.size() < data + length + 2)
      return;
    auto jpeg = std::string_view{buffer_}.substr(data, length);
    bool whole = length >= 4 && static_cast<unsigned char>(jpeg[0]) == 0xFF &&
                 static_cast<unsigned char>(jpeg[1]) == 0xD8 &&
                 static_cast<unsigned char>(jpeg[length - 2]) == 0xFF &&
                 static_cast<unsigned char>(jpeg[length - 1]) == 0xD9 &&
                 buffer_.compare(data + length, 2, "\r\n") == 0;
    well_formed_ = well_formed_ && whole;
    ++frames_;
    parse_at_ = data + length + 2;
    // Parsed pictures are dropped, so a long stream does not grow the buffer.
    buffer_.erase(0, parse_at_);
    parse_at_ = 0;
  }
}

int mjpeg_client::status() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return status_;
}

std::string mjpeg_client::body() const {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!headers_done_ || multipart_)
    return {};
  return buffer_.substr(parse_at_);
}

std::size_t mjpeg_client::frames() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return frames_;
}

bool mjpeg_client::parts_well_formed() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return well_formed_;
}

bool mjpeg_client::ended() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return ended_;
}

bool mjpeg_client::saw_closing_boundary() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return closing_boundary_;
}

} // namespace camfleet::live_test
