// Typed, path-aware access to one JSON object of the configuration.
//
// Each accessor names a key it knows, reads the value if present, and records
// a config_problem (with the full JSON path) if the value has the wrong type
// or is out of range; the output is left unchanged then. Afterwards,
// report_unknown_keys() flags every key no accessor asked about, which catches
// typos such as "patrol_interval" for "patrol_interval_ms".

#pragma once

#include "config/config_loader.hpp"

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace camfleet {

/// "subnets[1]" + "cameras" → "subnets[1].cameras".
std::string json_path_join(std::string_view parent, std::string_view key);

/// "subnets" + 1 → "subnets[1]".
std::string json_path_index(std::string_view parent, std::size_t index);

/// "string", "number", "object" ...: how a problem names what it found.
const char* json_kind_name(const boost::json::value& value);

class json_object_reader {
 public:
  json_object_reader(const boost::json::object& object, std::string path,
                     std::vector<config_problem>& problems);

  const std::string& path() const { return path_; }
  bool has(std::string_view key);

  /// Reports a problem at this object's key `key` (or the object itself).
  void problem(std::string_view key, std::string reason);

  // Each returns true if the key was present and its value was valid.
  bool read_string(std::string_view key, std::string& out);
  bool read_milliseconds(std::string_view key, std::chrono::milliseconds& out, std::int64_t min_ms,
                         std::int64_t max_ms);
  bool read_unsigned(std::string_view key, std::uint32_t& out, std::uint32_t min,
                     std::uint32_t max);
  bool read_number(std::string_view key, double& out, double min, double max);

  /// The nested object at `key`, or nullptr (absent, or not an object: reported).
  const boost::json::object* read_object(std::string_view key);

  /// The array at `key`, or nullptr (absent, or not an array: reported).
  const boost::json::array* read_array(std::string_view key);

  /// Marks `key` as known without reading it.
  void accept(std::string_view key);

  /// Reports each key that no accessor asked about, with a suggestion when a
  /// known key is spelled alike.
  void report_unknown_keys();

 private:
  const boost::json::value* find(std::string_view key);
  bool read_integer(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max);

  const boost::json::object& object_;
  std::string path_;
  std::vector<config_problem>& problems_;
  std::set<std::string, std::less<>> known_keys_;
};

} // namespace camfleet
