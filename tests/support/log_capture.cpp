#include "tests/support/log_capture.hpp"

#include <algorithm>
#include <mutex>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace camfleet::test {

class log_capture::sink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> guard{mutex_};
    return lines_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines_.emplace_back(msg.payload.data(), msg.payload.size());
  }

  void flush_() override {
    // nop: lines are kept in memory
  }

 private:
  std::vector<std::string> lines_;
};

log_capture::log_capture() : sink_(std::make_shared<sink>()), previous_(spdlog::default_logger()) {
  auto logger = std::make_shared<spdlog::logger>("test", sink_);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

log_capture::~log_capture() {
  spdlog::set_default_logger(previous_);
}

std::vector<std::string> log_capture::lines() const {
  return sink_->lines();
}

bool log_capture::contains(std::string_view text) const {
  auto all = lines();
  return std::any_of(all.begin(), all.end(),
                     [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

} // namespace camfleet::test
