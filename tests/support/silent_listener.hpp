// A TCP listener that accepts and never answers, in the test's own process.

#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace camfleet::test {

/// Plays a camera whose RTSP server accepts connections and then hangs: a
/// thread accepts every connection, reads and discards what arrives, never
/// writes, and closes its end when the peer closes. The destructor stops the
/// thread and closes every socket.
class silent_listener {
 public:
  /// Listens on `address` (127.0.0.0/8 or ::1) at `port`, 0 for any free one.
  explicit silent_listener(const std::string& address = "127.0.0.1", std::uint16_t port = 0);

  ~silent_listener();

  silent_listener(const silent_listener&) = delete;
  silent_listener& operator=(const silent_listener&) = delete;

  const std::string& address() const noexcept { return address_; }
  std::uint16_t port() const noexcept { return port_; }

  /// Connections accepted so far.
  std::size_t accepted() const;

  /// Connections accepted and not yet closed by the peer.
  std::size_t open_connections() const;

  /// Waits up to `timeout` until at least `count` connections were accepted.
  bool wait_for_accepted(std::size_t count, std::chrono::milliseconds timeout) const;

  /// Waits up to `timeout` until exactly `count` connections are open.
  bool wait_for_open_connections(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  void run();

  std::string address_;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  /// Written to by the destructor to wake the thread.
  int wake_fds_[2] = {-1, -1};
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::size_t accepted_ = 0;
  std::size_t open_ = 0;
  std::thread thread_;
};

} // namespace camfleet::test
