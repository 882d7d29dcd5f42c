#include "tests/camsim/camsim_process.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace camfleet::camsim::test {

camsim_process::camsim_process(const std::vector<std::string>& args) {
  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);

  std::string binary = CAMFLEET_BINARY_DIR "/tools/camsim/camsim";
  std::vector<std::string> storage{binary};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : storage)
    argv.push_back(arg.data());
  argv.push_back(nullptr);

  auto rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + binary);
  }
}

camsim_process::~camsim_process() {
  if (pid_ > 0 && !wait(std::chrono::milliseconds{0})) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (stdout_fd_ >= 0)
    ::close(stdout_fd_);
  if (stderr_fd_ >= 0)
    ::close(stderr_fd_);
}

std::optional<std::string> camsim_process::first_line(std::chrono::milliseconds budget) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  // Bounded by the deadline: each pass polls for at most what is left.
  for (;;) {
    auto newline = stdout_buffer_.find('\n');
    if (newline != std::string::npos)
      return stdout_buffer_.substr(0, newline);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    pollfd fd{stdout_fd_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0)
      continue;
    std::array<char, 4096> chunk;
    auto size = ::read(stdout_fd_, chunk.data(), chunk.size());
    if (size <= 0)
      return std::nullopt;
    stdout_buffer_.append(chunk.data(), static_cast<std::size_t>(size));
  }
}

void camsim_process::signal(int signal_number) {
  if (pid_ > 0)
    ::kill(pid_, signal_number);
}

std::optional<int> camsim_process::wait(std::chrono::milliseconds budget) {
  if (pid_ <= 0)
    return std::nullopt;
  auto deadline = std::chrono::steady_clock::now() + budget;
  // Bounded by the deadline, 10 ms apart.
  for (;;) {
    int status = 0;
    auto rc = ::waitpid(pid_, &status, WNOHANG);
    if (rc == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (rc < 0 || std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
}

std::string camsim_process::error_output() {
  std::string text;
  std::array<char, 4096> chunk;
  pollfd fd{stderr_fd_, POLLIN, 0};
  // Bounded: stops at the first empty poll or at end of file, at most 1 MiB.
  while (text.size() < 1024 * 1024 && ::poll(&fd, 1, 0) > 0) {
    auto size = ::read(stderr_fd_, chunk.data(), chunk.size());
    if (size <= 0)
      break;
    text.append(chunk.data(), static_cast<std::size_t>(size));
  }
  return text;
}

} // namespace camfleet::camsim::test
