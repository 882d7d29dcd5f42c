#include "tools/camsim/logging.hpp"

#include <stdexcept>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace camfleet::camsim {

void setup_logging(const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off")
    throw std::invalid_argument("unknown log level '" + level + "'");
  auto logger = spdlog::stderr_logger_mt("camsim");
  logger->set_pattern(log_pattern);
  logger->set_level(parsed);
  spdlog::set_default_logger(logger);
}

} // namespace camfleet::camsim
