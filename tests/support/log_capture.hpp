// Recording what is logged through spdlog's default logger during a test.

#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace spdlog {
class logger;
}

namespace camfleet::test {

/// While it lives, spdlog's default logger is one at trace level that
/// records every message (the text after formatting, without the time and
/// level prefix); the previous default logger comes back afterwards. Thread-
/// safe: lines may be logged from any thread.
class log_capture {
 public:
  log_capture();
  ~log_capture();

  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;

  /// Every line recorded so far.
  std::vector<std::string> lines() const;

  /// Whether any recorded line contains `text`.
  bool contains(std::string_view text) const;

  class sink;

 private:
  std::shared_ptr<sink> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

} // namespace camfleet::test
