#include "config/small_file.hpp"

#include "config/file_descriptor.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace camfleet {

namespace {

small_file failure(const std::string& path, const std::string& why) {
  return small_file{std::nullopt, "\"" + path + "\" " + why};
}

} // namespace

small_file read_small_file(const std::string& path, std::size_t max_bytes) {
  file_descriptor fd{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
  if (fd.get() < 0)
    return failure(path, std::string{"cannot be opened: "} + std::strerror(errno));

  struct stat info {};
  if (::fstat(fd.get(), &info) != 0)
    return failure(path, std::string{"cannot be examined: "} + std::strerror(errno));
  if (!S_ISREG(info.st_mode))
    return failure(path, "is not a regular file (a FIFO, device or directory could block or "
                         "never end)");
  if (static_cast<std::size_t>(info.st_size) > max_bytes)
    return failure(path, "is larger than " + std::to_string(max_bytes) + " bytes");

  // One byte more than allowed, to notice a file that grew since fstat.
  std::string content(max_bytes + 1, '\0');
  std::size_t length = 0;
  while (length < content.size()) {
    auto n = ::read(fd.get(), content.data() + length, content.size() - length);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return failure(path, std::string{"cannot be read: "} + std::strerror(errno));
    if (n == 0)
      break;
    length += static_cast<std::size_t>(n);
  }
  if (length > max_bytes)
    return failure(path, "is larger than " + std::to_string(max_bytes) + " bytes");
  content.resize(length);
  return small_file{std::move(content), ""};
}

} // namespace camfleet
