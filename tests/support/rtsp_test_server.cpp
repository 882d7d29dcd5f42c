#include "tests/support/rtsp_test_server.hpp"

#include <csignal>
#include <stdexcept>

namespace camfleet::test {

namespace {

constexpr const char* python = "/usr/bin/python3";

/// How long the reader waits per line before it looks at the stop flag.
constexpr std::chrono::milliseconds poll_interval{100};

} // namespace

rtsp_test_server::rtsp_test_server(options opts) {
  std::vector<std::string> argv{python, CAMFLEET_SOURCE_DIR "/tools/rtsp_test_server.py",
                                "--watch-stdin"};
  for (const auto& camera : opts.cameras) {
    argv.emplace_back("--camera");
    argv.push_back(camera);
  }
  for (const auto& silent : opts.silent) {
    argv.emplace_back("--silent");
    argv.push_back(silent);
  }
  if (!opts.user.empty()) {
    argv.insert(argv.end(),
                {"--user", opts.user, "--password", opts.password, "--auth", opts.auth});
  }
  if (opts.max_sessions > 0)
    argv.insert(argv.end(), {"--max-sessions", std::to_string(opts.max_sessions)});
  child_ = std::make_unique<child_process>(std::move(argv));

  // Nothing but "ready" comes before everything is bound.
  std::string line;
  auto status = child_->read_line(line, opts.ready_timeout);
  if (status != child_process::read_status::line || line != "ready")
    throw std::runtime_error(
        "rtsp_test_server.py did not become ready" +
        (status == child_process::read_status::line ? ": " + line : std::string{}));
  reader_ = std::thread{[this] { read_events(); }};
}

rtsp_test_server::~rtsp_test_server() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  child_->send_signal(SIGTERM);
  reader_.join();
  child_->terminate();
}

void rtsp_test_server::read_events() {
  std::string line;
  for (;;) {
    auto status = child_->read_line(line, poll_interval);
    if (status == child_process::read_status::end_of_file)
      return;
    std::lock_guard<std::mutex> guard{mutex_};
    if (status == child_process::read_status::line) {
      events_.push_back(line);
      auto space = line.find(' ');
      if (space != std::string::npos)
        ++counts_[line.substr(space + 1)][line.substr(0, space)];
      changed_.notify_all();
    } else if (stopping_) {
      return;
    }
  }
}

int rtsp_test_server::count_locked(const std::string& address, const std::string& event) const {
  auto per_address = counts_.find(address);
  if (per_address == counts_.end())
    return 0;
  auto per_event = per_address->second.find(event);
  return per_event == per_address->second.end() ? 0 : per_event->second;
}

rtsp_test_server::counts rtsp_test_server::counts_for(const std::string& address) const {
  std::lock_guard<std::mutex> guard{mutex_};
  return counts{count_locked(address, "connected"), count_locked(address, "closed"),
                count_locked(address, "teardown")};
}

bool rtsp_test_server::wait_for(const std::string& address, const std::string& event, int count,
                                std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock{mutex_};
  return changed_.wait_for(lock, timeout, [&] { return count_locked(address, event) >= count; });
}

std::vector<std::string> rtsp_test_server::events() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return events_;
}

std::string rtsp_test_server::endpoint(const std::string& address, std::uint16_t port) {
  if (address.find(':') != std::string::npos)
    return "[" + address + "]:" + std::to_string(port);
  return address + ":" + std::to_string(port);
}

} // namespace camfleet::test
