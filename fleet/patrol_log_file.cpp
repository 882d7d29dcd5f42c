#include "fleet/patrol_log_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace camfleet {

namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error{errno, std::generic_category(), what};
}

// Reads exactly `size` bytes at `offset`.
void read_at(int fd, char* buffer, std::size_t size, off_t offset) {
  std::size_t done = 0;
  while (done < size) {
    auto n = ::pread(fd, buffer + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw_errno("read");
    if (n == 0) {
      errno = EIO;
      throw_errno("read (the file shrank)");
    }
    done += static_cast<std::size_t>(n);
  }
}

} // namespace

std::optional<torn_tail> repair_torn_tail(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0)
    throw_errno("stat");
  const off_t size = info.st_size;
  if (size == 0)
    return std::nullopt;
  char last = 0;
  read_at(fd, &last, 1, size - 1);
  if (last == '\n')
    return std::nullopt;

  // Find the last newline, reading backwards a block at a time.
  std::vector<char> block(64 * 1024);
  off_t keep = 0;
  for (off_t end = size; end > 0;) {
    off_t begin = std::max<off_t>(0, end - static_cast<off_t>(block.size()));
    auto length = static_cast<std::size_t>(end - begin);
    read_at(fd, block.data(), length, begin);
    auto newline = std::find(block.rbegin() + static_cast<std::ptrdiff_t>(block.size() - length),
                             block.rend(), '\n');
    if (newline != block.rend()) {
      keep = begin + static_cast<off_t>(block.rend() - newline);
      break;
    }
    end = begin;
  }
  if (::ftruncate(fd, keep) != 0)
    throw_errno("truncate");
  return torn_tail{static_cast<std::uint64_t>(keep), static_cast<std::uint64_t>(size - keep)};
}

patrol_log_file::patrol_log_file(std::string path) : path_(std::move(path)) {
  auto parent = std::filesystem::path{path_}.parent_path();
  std::error_code ec;
  if (!parent.empty())
    std::filesystem::create_directories(parent, ec);
  // Read and write: the repair looks at the tail before the first append.
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    spdlog::error("cannot open patrol log \"{}\": {}; patrol reports are logged only", path_,
                  std::strerror(errno));
    return;
  }
  try {
    if (auto torn = repair_torn_tail(fd_))
      spdlog::warn("patrol log \"{}\": its last line was unterminated (cut short by a kill or a "
                   "full disk); removed {} bytes from byte offset {}",
                   path_, torn->bytes_removed, torn->offset);
  } catch (const std::system_error& error) {
    spdlog::warn("patrol log \"{}\": cannot check its last line ({}); a torn line may remain",
                 path_, error.what());
  }
}

patrol_log_file::~patrol_log_file() {
  if (fd_ >= 0)
    ::close(fd_);
}

void patrol_log_file::append_line(std::string line) {
  if (fd_ < 0)
    return;
  line += '\n';
  // One write(2), never a loop: a second write could land after another
  // writer's line. A short write leaves a torn line that the next start
  // repairs.
  auto written = ::write(fd_, line.data(), line.size());
  if (written == static_cast<ssize_t>(line.size()))
    return;
  if (written < 0) {
    spdlog::warn("patrol log \"{}\": cannot write ({}); the line is lost", path_,
                 std::strerror(errno));
    return;
  }
  // A disk that filled or a file size limit reached mid-line: take the part
  // back, or the next line would be glued to it. Nobody else writes this
  // file, so its end is ours.
  off_t end = ::lseek(fd_, 0, SEEK_END);
  bool taken_back = end >= written && ::ftruncate(fd_, end - written) == 0;
  spdlog::warn("patrol log \"{}\": short write ({} of {} bytes, {}); the line is lost", path_,
               written, line.size(),
               taken_back ? "taken back" : "left as a torn line until the next start");
}

} // namespace camfleet
