#include "tests/support/silent_listener.hpp"

#include "tests/support/loopback.hpp"

#include <cerrno>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

namespace camfleet::test {

silent_listener::silent_listener(const std::string& address, std::uint16_t port)
  : address_(address) {
  loopback_address addr{address, port};
  listen_fd_ = ::socket(addr.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0)
    throw std::system_error(errno, std::generic_category(), "socket");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  if (::bind(listen_fd_, addr.get(), addr.length) != 0 || ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &length) != 0 ||
      ::pipe2(wake_fds_, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(listen_fd_);
    throw std::system_error(err, std::generic_category(), "listen on " + address);
  }
  port_ = bound.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
                                     : ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  thread_ = std::thread{[this] { run(); }};
}

silent_listener::~silent_listener() {
  char byte = 0;
  [[maybe_unused]] auto written = ::write(wake_fds_[1], &byte, 1);
  thread_.join();
  ::close(wake_fds_[0]);
  ::close(wake_fds_[1]);
  ::close(listen_fd_);
}

std::size_t silent_listener::accepted() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return accepted_;
}

std::size_t silent_listener::open_connections() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return open_;
}

bool silent_listener::wait_for_accepted(std::size_t count,
                                        std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock{mutex_};
  return changed_.wait_for(lock, timeout, [&] { return accepted_ >= count; });
}

bool silent_listener::wait_for_open_connections(std::size_t count,
                                                std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock{mutex_};
  return changed_.wait_for(lock, timeout, [&] { return open_ == count; });
}

void silent_listener::run() {
  // fds[0] wakes us, fds[1] accepts, the rest are held connections.
  std::vector<pollfd> fds{{wake_fds_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
  for (;;) {
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR)
      break;
    if (fds[0].revents != 0)
      break;
    if ((fds[1].revents & POLLIN) != 0) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        fds.push_back({fd, POLLIN, 0});
        std::lock_guard<std::mutex> guard{mutex_};
        ++accepted_;
        ++open_;
        changed_.notify_all();
      }
    }
    for (std::size_t i = 2; i < fds.size();) {
      if (fds[i].revents == 0) {
        ++i;
        continue;
      }
      char chunk[4096];
      if (::read(fds[i].fd, chunk, sizeof(chunk)) > 0) {
        ++i;
        continue;
      }
      ::close(fds[i].fd);
      fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(i));
      std::lock_guard<std::mutex> guard{mutex_};
      --open_;
      changed_.notify_all();
    }
  }
  for (std::size_t i = 2; i < fds.size(); ++i)
    ::close(fds[i].fd);
  std::lock_guard<std::mutex> guard{mutex_};
  open_ = 0;
  changed_.notify_all();
}

} // namespace camfleet::test
