#include "fleet/snapshot_store.hpp"

#include "config/file_descriptor.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace camfleet {

namespace {

namespace fs = std::filesystem;

std::string system_error_text(const std::string& what, const std::string& file, int error) {
  return what + " \"" + file + "\": " + std::strerror(error);
}

// What is wrong with `dir` as a directory to write in, if anything.
std::optional<std::string> missing_directory(const std::string& dir, const std::string& what) {
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0)
    return system_error_text(what, dir, errno);
  if (!S_ISDIR(info.st_mode))
    return system_error_text(what, dir, ENOTDIR);
  return std::nullopt;
}

} // namespace

std::string snapshot_path(const std::string& snapshot_dir, const std::string& subnet,
                          const std::string& camera_id) {
  return (fs::path{snapshot_dir} / subnet / camera_id / "latest.jpg").string();
}

std::optional<std::string> write_file_atomically(const std::string& path,
                                                 const std::vector<std::uint8_t>& bytes,
                                                 const std::string& existing_root) {
  fs::path target{path};
  if (!existing_root.empty()) {
    if (auto problem = missing_directory(existing_root, "snapshot directory"))
      return problem;
  }
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec)
    return "cannot create directory \"" + target.parent_path().string() + "\": " + ec.message();

  // Unique per process and call, so concurrent writers never share a file.
  static std::atomic<std::uint64_t> counter{0};
  auto temporary =
      path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));

  file_descriptor file{::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
  if (file.get() < 0)
    return system_error_text("cannot create", temporary, errno);

  auto fail = [&](const std::string& what, int error) -> std::optional<std::string> {
    ::unlink(temporary.c_str());
    return system_error_text(what, temporary, error);
  };

  std::size_t written = 0;
  while (written < bytes.size()) {
    auto n = ::write(file.get(), bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail("cannot write", errno);
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(file.get()) != 0)
    return fail("cannot flush", errno);
  if (file.close_now() != 0)
    return fail("cannot close", errno);
  if (::rename(temporary.c_str(), path.c_str()) != 0)
    return fail("cannot rename into place", errno);

  // Make the rename itself durable; failing here loses nothing a reader sees.
  file_descriptor directory{
      ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (directory.get() >= 0)
    ::fsync(directory.get());
  return std::nullopt;
}

std::optional<std::string> write_snapshot(const std::string& file,
                                          const std::vector<std::uint8_t>& bytes) {
  // <snapshot_dir>/<subnet>/<camera>/latest.jpg, as snapshot_path() makes it.
  auto snapshot_dir = fs::path{file}.parent_path().parent_path().parent_path();
  return write_file_atomically(file, bytes, snapshot_dir.empty() ? "." : snapshot_dir.string());
}

std::optional<std::string> prepare_snapshot_dir(const std::string& snapshot_dir) {
  // mkdir, not mkdir -p: a missing parent is a missing mount, not ours to make.
  if (::mkdir(snapshot_dir.c_str(), 0755) != 0 && errno != EEXIST)
    return system_error_text("cannot create snapshot directory", snapshot_dir, errno);
  return missing_directory(snapshot_dir, "snapshot directory");
}

std::size_t remove_stale_temporaries(const std::string& snapshot_dir) {
  std::size_t removed = 0;
  std::error_code ec;
  if (!fs::is_directory(snapshot_dir, ec))
    return 0;
  for (fs::recursive_directory_iterator it{snapshot_dir, ec}, end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file(ec) &&
        it->path().filename().string().find(".tmp-") != std::string::npos) {
      if (fs::remove(it->path(), ec))
        ++removed;
    }
  }
  return removed;
}

} // namespace camfleet
