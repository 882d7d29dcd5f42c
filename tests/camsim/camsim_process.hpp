// The camsim binary run as a child process, as chaos tests run it: wait for
// its "ready" line, then stop it with a signal. Every wait has a budget and
// the destructor kills and reaps whatever is still running.

#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace camfleet::camsim::test {

class camsim_process {
 public:
  /// Starts CAMFLEET_BINARY_DIR/tools/camsim/camsim with `args`.
  explicit camsim_process(const std::vector<std::string>& args);
  ~camsim_process();

  camsim_process(const camsim_process&) = delete;
  camsim_process& operator=(const camsim_process&) = delete;

  /// The first stdout line, or nothing when none came within `budget`.
  std::optional<std::string> first_line(std::chrono::milliseconds budget);

  /// Sends `signal` (SIGTERM by default).
  void signal(int signal_number);

  /// The exit status once the process ended within `budget`: the exit code,
  /// or 128 + the signal that killed it; nothing if it still runs.
  std::optional<int> wait(std::chrono::milliseconds budget);

  /// Everything the process wrote to stderr so far (after wait()).
  std::string error_output();

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string stdout_buffer_;
};

} // namespace camfleet::camsim::test
