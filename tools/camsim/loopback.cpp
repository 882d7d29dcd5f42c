#include "tools/camsim/loopback.hpp"

#include <charconv>
#include <stdexcept>

namespace camfleet::camsim {

bool is_loopback(const boost::asio::ip::address& address) {
  if (address.is_v4())
    return (address.to_v4().to_uint() >> 24) == 127;
  // A v4-mapped ::ffff:127.0.0.1 is refused on purpose: one spelling per
  // address keeps the rule easy to audit.
  return address.is_v6() && address.to_v6().is_loopback();
}

boost::asio::ip::address parse_loopback_address(std::string_view text) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string{text}, ec);
  if (ec)
    throw std::invalid_argument("'" + std::string{text} + "' is not an IP address");
  if (!is_loopback(address))
    throw std::invalid_argument("'" + std::string{text} +
                                "' is outside loopback (127.0.0.0/8 or ::1)");
  return address;
}

loopback_endpoint parse_loopback_endpoint(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw std::invalid_argument("'" + std::string{text} + "' is not [ADDRESS]:PORT");
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      throw std::invalid_argument("'" + std::string{text} + "' is not ADDRESS:PORT");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535)
    throw std::invalid_argument("'" + std::string{port_text} + "' is not a port number");
  return {parse_loopback_address(host), static_cast<std::uint16_t>(port)};
}

std::string to_string(const boost::asio::ip::address& address, std::uint16_t port) {
  if (address.is_v6())
    return "[" + address.to_string() + "]:" + std::to_string(port);
  return address.to_string() + ":" + std::to_string(port);
}

} // namespace camfleet::camsim
