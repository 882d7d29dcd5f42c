// Fuzz target: the configuration loader (config/), from JSON text to a
// validated fleet_config or a list of problems. Whatever the file holds, the
// loader must answer one or the other, never both, and never crash.

#include "config/config_loader.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  // A fixed environment: password_env lookups succeed for one name only, so
  // both the found and the missing variable paths run.
  camfleet::env_lookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "CAMFLEET_CAMERA_PASSWORD")
      return std::string{"fuzz-password"};
    return std::nullopt;
  };
  auto result = camfleet::parse_fleet_config(text, env);

  // The loader's contract (config_loader.hpp): a configuration if and only if
  // there is no problem, and every problem says something.
  if (result.config.has_value() == !result.problems.empty())
    std::abort();
  for (const auto& problem : result.problems)
    if (problem.reason.empty() || camfleet::to_string(problem).empty())
      std::abort();
  return 0;
}
