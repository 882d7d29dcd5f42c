#include "camera/rtsp_url.hpp"

namespace camfleet {

namespace {

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string url_without_userinfo(const stream_endpoint& endpoint, std::string_view path) {
  std::string result = url_host(endpoint.host);
  result += ':';
  result += std::to_string(endpoint.port);
  if (path.empty() || path.front() != '/')
    result += '/';
  result += path;
  return result;
}

} // namespace

std::string percent_encode(std::string_view text) {
  static constexpr char hex_digits[] = "0123456789ABCDEF";
  std::string result;
  result.reserve(text.size() * 3);
  for (char c : text) {
    if (is_unreserved(c)) {
      result += c;
      continue;
    }
    auto byte = static_cast<unsigned char>(c);
    result += '%';
    result += hex_digits[byte >> 4];
    result += hex_digits[byte & 0x0F];
  }
  return result;
}

std::string url_host(std::string_view host) {
  if (host.find(':') == std::string_view::npos || host.front() == '[')
    return std::string{host};
  std::string result{"["};
  result += host;
  result += ']';
  return result;
}

std::string rtsp_url(const stream_endpoint& endpoint, std::string_view path) {
  std::string result{"rtsp://"};
  if (!endpoint.username.empty()) {
    result += percent_encode(endpoint.username);
    result += ':';
    result += percent_encode(endpoint.password);
    result += '@';
  }
  result += url_without_userinfo(endpoint, path);
  return result;
}

std::string rtsp_display_url(const stream_endpoint& endpoint, std::string_view path) {
  return "rtsp://" + url_without_userinfo(endpoint, path);
}

} // namespace camfleet
