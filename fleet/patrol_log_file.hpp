// The patrol log on disk: one JSON line per patrol, appended.
//
// Each line goes out in a single write() on a descriptor opened with
// O_APPEND, so several writers never interleave within a line and a daemon
// killed between writes leaves complete lines only. A write cut short (a full
// disk, a file size limit, a kill inside the kernel's copy) can still leave an
// unterminated last line: opening the log repairs that by truncating the torn
// tail, with a warning naming the file and the byte offset, so that every
// line a reader finds parses.

#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace camfleet {

/// What repair_torn_tail() removed.
struct torn_tail {
  /// The file's size before the repair, which is also where it now ends.
  std::uint64_t offset = 0;
  std::uint64_t bytes_removed = 0;
};

/// Truncates an open file (`fd`, readable and writable) after its last
/// newline when its last byte is not one. Returns what it removed, nothing
/// when the file was empty or whole; throws std::system_error if it cannot
/// read or truncate.
std::optional<torn_tail> repair_torn_tail(int fd);

class patrol_log_file {
 public:
  /// Opens (creating it and its directory if needed) and repairs the log. A
  /// log that cannot be opened is logged as an error; lines are then dropped.
  explicit patrol_log_file(std::string path);
  ~patrol_log_file();

  patrol_log_file(const patrol_log_file&) = delete;
  patrol_log_file& operator=(const patrol_log_file&) = delete;

  /// Appends `line` and a newline with one write().
  void append_line(std::string line);

  bool is_open() const { return fd_ >= 0; }

 private:
  std::string path_;
  int fd_ = -1;
};

} // namespace camfleet
