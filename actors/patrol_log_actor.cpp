#include "actors/patrol_log_actor.hpp"

#include "fleet/patrol_report_json.hpp"
#include "messages/fleet_messages.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

namespace camfleet {

namespace {

// The log file, closed when the actor's behavior (which owns it) goes away.
class append_only_file {
 public:
  explicit append_only_file(std::string path) : path_(std::move(path)) {
    auto parent = std::filesystem::path{path_}.parent_path();
    std::error_code ec;
    if (!parent.empty())
      std::filesystem::create_directories(parent, ec);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0)
      spdlog::error("cannot open patrol log \"{}\": {}; patrol reports are logged only", path_,
                    std::strerror(errno));
  }

  ~append_only_file() {
    if (fd_ >= 0)
      ::close(fd_);
  }

  append_only_file(const append_only_file&) = delete;
  append_only_file& operator=(const append_only_file&) = delete;

  void append_line(std::string line) {
    if (fd_ < 0)
      return;
    line += '\n';
    auto written = ::write(fd_, line.data(), line.size());
    if (written != static_cast<ssize_t>(line.size()))
      spdlog::warn("patrol log \"{}\": short or failed write ({}); the line is lost", path_,
                   written < 0 ? std::strerror(errno) : "partial");
  }

 private:
  std::string path_;
  int fd_ = -1;
};

} // namespace

caf::behavior patrol_log_actor(caf::event_based_actor* self, std::string file_path) {
  auto file = std::make_shared<append_only_file>(std::move(file_path));
  return {
      // The empty answer acknowledges the line (written, or lost and
      // logged): the supervisors count what waits here.
      [file](const patrol_report& report) {
        file->append_line(to_json_line(report));
        return caf::unit;
      },
      [self](shutdown_atom) { self->quit(); },
  };
}

} // namespace camfleet
