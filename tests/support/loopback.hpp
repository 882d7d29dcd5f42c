// Socket addresses for tests, on loopback only.

#pragma once

#include <cstdint>
#include <string>

#include <sys/socket.h>

namespace camfleet::test {

/// A socket address for an IPv4 literal in 127.0.0.0/8 or for ::1. Throws
/// std::invalid_argument for anything else: tests never reach further.
struct loopback_address {
  sockaddr_storage storage{};
  socklen_t length = 0;

  loopback_address(const std::string& address, std::uint16_t port);

  int family() const noexcept { return storage.ss_family; }
  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
};

/// A TCP port on `address` that nothing listens on right now (the kernel's
/// pick for port 0). Another process may take it before the test does, which
/// on a 127.x.y.z address of the test's own is unlikely.
std::uint16_t free_tcp_port(const std::string& address = "127.0.0.1");

/// The number of descriptors this process has open (from /proc/self/fd),
/// not counting the one used to read the directory.
std::size_t open_fd_count();

} // namespace camfleet::test
