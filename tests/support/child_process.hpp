// A child process for tests: started without a shell, its stdout read line by
// line with a timeout, always terminated and reaped.

#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <sys/types.h>

namespace camfleet::test {

/// Runs `argv[0]` (a path; no PATH lookup, no shell) with `argv`. The child's
/// stdout is a pipe read through read_line(); its stdin is a pipe this object
/// holds open and closes on terminate(), so a child that watches stdin also
/// stops when the test process dies; its stderr is the test's stderr, or merged into stdout.
///
/// The destructor terminates the child (SIGTERM, then SIGKILL after the grace
/// period) and reaps it: no test leaves a process behind.
class child_process {
 public:
  enum class read_status { line, timeout, end_of_file };

  /// Where the child's stderr goes: the test's stderr, or the same pipe as
  /// its stdout (to check what a daemon logs).
  enum class stderr_mode { inherit, merge_into_stdout };

  /// Throws std::system_error when the child cannot be started.
  explicit child_process(std::vector<std::string> argv, stderr_mode errors = stderr_mode::inherit);

  ~child_process();

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept { return pid_; }

  /// Waits up to `timeout` for a complete line on the child's stdout and
  /// stores it in `line`, without the newline. Safe to call from one thread
  /// at a time.
  read_status read_line(std::string& line, std::chrono::milliseconds timeout);

  /// Sends SIGTERM, waits up to `grace` for the child to exit, then sends
  /// SIGKILL, and reaps it. Returns the wait status (see waitpid(2)), or -1 if
  /// the child was already reaped. Idempotent.
  int terminate(std::chrono::milliseconds grace = std::chrono::milliseconds{3000});

  /// Sends `signal` to the child if it has not been reaped, and closes its
  /// stdin. Unlike terminate() it neither waits nor touches stdout, so another
  /// thread may go on reading until end of file.
  void send_signal(int signal);

  /// Whether the child has not exited yet (reaps it if it has).
  bool running();

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stdin_fd_ = -1;
  int wait_status_ = -1;
  /// Bytes read but not yet returned as a line.
  std::string buffer_;
};

} // namespace camfleet::test
