#include "fleet/logging.hpp"

#include "camera/av_log_bridge.hpp"
#include "fleet/iso_time.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace camfleet {

namespace {

class json_log_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line = "{\"time\":\"";
    line += format_iso8601(msg.time);
    line += "\",\"level\":\"";
    auto level = spdlog::level::to_string_view(msg.level);
    line.append(level.data(), level.size());
    line += "\",\"message\":";
    // boost::json::serialize escapes quotes, backslashes and control characters.
    line += boost::json::serialize(
        boost::json::string{boost::json::string_view{msg.payload.data(), msg.payload.size()}});
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_log_formatter>();
  }
};

} // namespace

std::string text_log_pattern() {
  // %z is "+hh:mm": the offset is always explicit.
  return "%Y-%m-%dT%H:%M:%S.%e%z %-5l %v";
}

std::unique_ptr<spdlog::formatter> make_json_log_formatter() {
  return std::make_unique<json_log_formatter>();
}

void configure_logging(const log_config& config) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("camfleet", sink);
  if (config.format == log_format::json)
    logger->set_formatter(make_json_log_formatter());
  else
    logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        text_log_pattern(), spdlog::pattern_time_type::local));
  auto level = spdlog::level::from_str(config.level);
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  // libav writes every RTSP request and reply at its own trace level: only
  // at ours, for a capture under investigation.
  set_libav_log_level(level <= spdlog::level::trace ? libav_log_level::trace
                                                    : libav_log_level::warning);
}

} // namespace camfleet
