// Reads and validates camfleet's JSON configuration.
//
// Validation reports every problem at once, each with the JSON path of the
// offending value and the reason, so an operator fixes a file in one pass
// instead of one error per restart. A file with any problem yields no
// configuration at all: camfleetd then exits with status 2 before it touches a
// camera.

#pragma once

#include "config/fleet_config.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace camfleet {

struct config_problem {
  /// Where, as a JSON path: "subnets[1].cameras[0].port". Empty for the file
  /// as a whole; "line 3, column 7" for a syntax error.
  std::string path;
  std::string reason;
};

/// "path: reason", or just the reason when the path is empty.
std::string to_string(const config_problem& problem);

struct config_result {
  /// Set if and only if `problems` is empty.
  std::optional<fleet_config> config;
  std::vector<config_problem> problems;
};

/// Whether `name` is acceptable as a camera id or subnet name: 1 to 64
/// letters, digits, '-', '_' or '.', starting with a letter or digit (they
/// become directory names, and path segments of the admin interface).
bool is_valid_name(const std::string& name);

/// Looks up an environment variable; returns nothing if it is unset. Tests
/// pass their own; the daemon passes one that reads the real environment.
using env_lookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment, through getenv.
env_lookup process_environment();

/// Parses and validates a configuration held in memory.
config_result parse_fleet_config(std::string_view json_text, const env_lookup& env);

/// Reads `file_path` and parses it; an unreadable file is one problem.
config_result load_fleet_config(const std::string& file_path, const env_lookup& env);

} // namespace camfleet
