#include "tests/support/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace camfleet::test {

namespace {

using clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(int err, const char* what) {
  throw std::system_error(err, std::generic_category(), what);
}

void close_fd(int& fd) {
  if (fd >= 0)
    ::close(fd);
  fd = -1;
}

/// posix_spawn's file actions and attributes, destroyed on every path.
struct spawn_setup {
  posix_spawn_file_actions_t actions;
  spawn_setup() { posix_spawn_file_actions_init(&actions); }
  ~spawn_setup() { posix_spawn_file_actions_destroy(&actions); }
  spawn_setup(const spawn_setup&) = delete;
  spawn_setup& operator=(const spawn_setup&) = delete;
};

} // namespace

child_process::child_process(std::vector<std::string> argv, stderr_mode errors) {
  if (argv.empty())
    throw_errno(EINVAL, "child_process: empty argv");

  // Close-on-exec in this process; dup2 clears the flag in the child only.
  int out_pipe[2];
  int in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0)
    throw_errno(errno, "pipe2");
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw_errno(err, "pipe2");
  }

  spawn_setup setup;
  posix_spawn_file_actions_adddup2(&setup.actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, out_pipe[1], STDOUT_FILENO);
  if (errors == stderr_mode::merge_into_stdout)
    posix_spawn_file_actions_adddup2(&setup.actions, out_pipe[1], STDERR_FILENO);
  std::vector<char*> args;
  for (auto& arg : argv)
    args.push_back(arg.data());
  args.push_back(nullptr);
  int err = ::posix_spawn(&pid_, args[0], &setup.actions, nullptr, args.data(), environ);

  ::close(out_pipe[1]);
  ::close(in_pipe[0]);
  stdout_fd_ = out_pipe[0];
  stdin_fd_ = in_pipe[1];
  if (err != 0) {
    pid_ = -1;
    close_fd(stdout_fd_);
    close_fd(stdin_fd_);
    throw_errno(err, "posix_spawn");
  }
}

child_process::~child_process() {
  terminate();
}

child_process::read_status child_process::read_line(std::string& line,
                                                    std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    if (auto end = buffer_.find('\n'); end != std::string::npos) {
      line = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      return read_status::line;
    }
    if (stdout_fd_ < 0)
      return read_status::end_of_file;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0)
      return read_status::timeout;
    pollfd pfd{stdout_fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0)
      return ready == 0 ? read_status::timeout : read_status::end_of_file;
    char chunk[4096];
    auto n = ::read(stdout_fd_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      // A last line without its newline still counts.
      close_fd(stdout_fd_);
      if (!buffer_.empty()) {
        line = std::move(buffer_);
        buffer_.clear();
        return read_status::line;
      }
      return read_status::end_of_file;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

int child_process::terminate(std::chrono::milliseconds grace) {
  close_fd(stdin_fd_);
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    auto deadline = clock::now() + grace;
    int status = 0;
    pid_t reaped = 0;
    while ((reaped = ::waitpid(pid_, &status, WNOHANG)) == 0 && clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    if (reaped == 0) {
      ::kill(pid_, SIGKILL);
      reaped = ::waitpid(pid_, &status, 0);
    }
    wait_status_ = reaped == pid_ ? status : -1;
    pid_ = -1;
  }
  close_fd(stdout_fd_);
  return wait_status_;
}

void child_process::send_signal(int signal) {
  close_fd(stdin_fd_);
  if (pid_ > 0)
    ::kill(pid_, signal);
}

bool child_process::running() {
  if (pid_ <= 0)
    return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    wait_status_ = status;
    pid_ = -1;
    return false;
  }
  return true;
}

} // namespace camfleet::test
