// Reading JSON documents with errors that point at the offending value.
//
// Scenario files and control requests are written by hand. An error such as
// "$.subnets[1].cameras[3].port: must be an integer from 0 to 65535" lets the
// author fix the file without guessing, so every read goes through a reader
// that knows the path of the object it reads and rejects keys it never asked
// for (a misspelt "sesion_limit" would otherwise be silently ignored).

#pragma once

#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace camfleet::camsim {

/// A JSON document that does not fit camsim's schema, located by a path such
/// as "$.timeline[2].at_ms".
class json_error : public std::runtime_error {
 public:
  json_error(std::string path, std::string message);

  const std::string& path() const noexcept { return path_; }
  const std::string& message() const noexcept { return message_; }

 private:
  std::string path_;
  std::string message_;
};

/// "$.cameras" and 2 -> "$.cameras[2]".
std::string index_path(std::string_view path, std::size_t index);

/// Reads one JSON object field by field. finish() rejects unknown keys.
class json_object_reader {
 public:
  /// Throws json_error when `value` is not an object.
  json_object_reader(const boost::json::value& value, std::string path);

  const std::string& path() const noexcept { return path_; }
  std::string child_path(std::string_view key) const;

  bool has(std::string_view key) const;
  const boost::json::value* optional(std::string_view key);
  const boost::json::value& required(std::string_view key);

  std::string string(std::string_view key);
  std::string string_or(std::string_view key, std::string fallback);
  std::int64_t integer(std::string_view key, std::int64_t min, std::int64_t max);
  std::int64_t integer_or(std::string_view key, std::int64_t min, std::int64_t max,
                          std::int64_t fallback);

  /// Throws json_error naming the first key that no accessor asked for.
  void finish() const;

 private:
  std::int64_t to_integer(const boost::json::value& value, std::string_view key, std::int64_t min,
                          std::int64_t max) const;

  const boost::json::object* object_;
  std::string path_;
  std::set<std::string, std::less<>> seen_;
};

} // namespace camfleet::camsim
