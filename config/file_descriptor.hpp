// A POSIX file descriptor with one owner: closed when it goes out of scope.
// Used by the configuration's file reads (config/small_file.cpp) and the
// snapshot writes (fleet/snapshot_store.cpp).

#pragma once

#include <unistd.h>

namespace camfleet {

class file_descriptor {
 public:
  /// Takes `fd`, which may be negative (a failed open): then it holds nothing.
  explicit file_descriptor(int fd) : fd_(fd) {}
  ~file_descriptor() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;

  int get() const { return fd_; }

  /// Closes now and returns what close() returned: some file systems (NFS)
  /// report a failed write only there.
  int close_now() {
    int result = ::close(fd_);
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

} // namespace camfleet
