// The network-safety rule of camsim: it binds only to loopback.
//
// camsim is a fleet of fake cameras for tests and benchmarks. If it ever bound
// a routable address it could answer real clients on a site network, so every
// address that reaches a bind() goes through is_loopback() first.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace camfleet::camsim {

/// True for 127.0.0.0/8 and ::1, the only addresses camsim may bind or name.
bool is_loopback(const boost::asio::ip::address& address);

/// Parses an address literal; throws std::invalid_argument with a message that
/// names the text when it is not an address or not loopback.
boost::asio::ip::address parse_loopback_address(std::string_view text);

/// A loopback address and port, as parsed from "127.0.0.1:8554" or "[::1]:8554".
struct loopback_endpoint {
  boost::asio::ip::address address;
  std::uint16_t port = 0;
};

/// Parses "ADDRESS:PORT" (IPv6 in brackets); throws std::invalid_argument when
/// malformed or outside loopback.
loopback_endpoint parse_loopback_endpoint(std::string_view text);

/// "127.0.0.1:8554" or "[::1]:8554".
std::string to_string(const boost::asio::ip::address& address, std::uint16_t port);

} // namespace camfleet::camsim
