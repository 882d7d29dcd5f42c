#include "tools/camsim/json_path.hpp"

namespace camfleet::camsim {

json_error::json_error(std::string path, std::string message)
  : std::runtime_error(path + ": " + message), path_(std::move(path)),
    message_(std::move(message)) {}

std::string index_path(std::string_view path, std::size_t index) {
  return std::string{path} + "[" + std::to_string(index) + "]";
}

json_object_reader::json_object_reader(const boost::json::value& value, std::string path)
  : object_(value.if_object()), path_(std::move(path)) {
  if (object_ == nullptr)
    throw json_error(path_, "must be an object");
}

std::string json_object_reader::child_path(std::string_view key) const {
  return path_ + "." + std::string{key};
}

bool json_object_reader::has(std::string_view key) const {
  return object_->contains(key);
}

const boost::json::value* json_object_reader::optional(std::string_view key) {
  seen_.emplace(key);
  return object_->if_contains(key);
}

const boost::json::value& json_object_reader::required(std::string_view key) {
  if (auto* value = optional(key))
    return *value;
  throw json_error(child_path(key), "is required");
}

std::string json_object_reader::string(std::string_view key) {
  const auto& value = required(key);
  if (!value.is_string())
    throw json_error(child_path(key), "must be a string");
  return std::string{value.get_string()};
}

std::string json_object_reader::string_or(std::string_view key, std::string fallback) {
  if (!has(key)) {
    seen_.emplace(key);
    return fallback;
  }
  return string(key);
}

std::int64_t json_object_reader::to_integer(const boost::json::value& value, std::string_view key,
                                            std::int64_t min, std::int64_t max) const {
  auto range = "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  std::int64_t result = 0;
  if (value.is_int64())
    result = value.get_int64();
  else if (value.is_uint64() && value.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    result = static_cast<std::int64_t>(value.get_uint64());
  else
    throw json_error(child_path(key), range);
  if (result < min || result > max)
    throw json_error(child_path(key), range);
  return result;
}

std::int64_t json_object_reader::integer(std::string_view key, std::int64_t min, std::int64_t max) {
  return to_integer(required(key), key, min, max);
}

std::int64_t json_object_reader::integer_or(std::string_view key, std::int64_t min,
                                            std::int64_t max, std::int64_t fallback) {
  if (auto* value = optional(key))
    return to_integer(*value, key, min, max);
  return fallback;
}

void json_object_reader::finish() const {
  for (const auto& item : *object_)
    if (seen_.find(std::string_view{item.key()}) == seen_.end())
      throw json_error(child_path(item.key()), "is not a known field");
}

} // namespace camfleet::camsim
