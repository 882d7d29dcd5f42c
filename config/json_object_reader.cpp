#include "config/json_object_reader.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace camfleet {

namespace {

// Edit distance between two short keys, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    auto diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      auto above = row[j];
      auto substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

} // namespace

std::string json_path_join(std::string_view parent, std::string_view key) {
  if (parent.empty())
    return std::string{key};
  std::string result{parent};
  result += '.';
  result += key;
  return result;
}

std::string json_path_index(std::string_view parent, std::size_t index) {
  std::string result{parent};
  result += '[';
  result += std::to_string(index);
  result += ']';
  return result;
}

const char* json_kind_name(const boost::json::value& value) {
  switch (value.kind()) {
  case boost::json::kind::null:
    return "null";
  case boost::json::kind::bool_:
    return "a boolean";
  case boost::json::kind::int64:
  case boost::json::kind::uint64:
  case boost::json::kind::double_:
    return "a number";
  case boost::json::kind::string:
    return "a string";
  case boost::json::kind::array:
    return "an array";
  case boost::json::kind::object:
    return "an object";
  }
  return "a value";
}

json_object_reader::json_object_reader(const boost::json::object& object, std::string path,
                                       std::vector<config_problem>& problems)
  : object_(object), path_(std::move(path)), problems_(problems) {
  // Intentionally empty.
}

const boost::json::value* json_object_reader::find(std::string_view key) {
  known_keys_.emplace(key);
  return object_.if_contains(key);
}

bool json_object_reader::has(std::string_view key) {
  return find(key) != nullptr;
}

void json_object_reader::accept(std::string_view key) {
  known_keys_.emplace(key);
}

void json_object_reader::problem(std::string_view key, std::string reason) {
  problems_.push_back({key.empty() ? path_ : json_path_join(path_, key), std::move(reason)});
}

bool json_object_reader::read_string(std::string_view key, std::string& out) {
  auto value = find(key);
  if (value == nullptr)
    return false;
  if (!value->is_string()) {
    problem(key, std::string{"expected a string, found "} + json_kind_name(*value));
    return false;
  }
  out = std::string{value->get_string()};
  return true;
}

bool json_object_reader::read_integer(std::string_view key, std::int64_t& out, std::int64_t min,
                                      std::int64_t max) {
  auto value = find(key);
  if (value == nullptr)
    return false;
  std::int64_t number = 0;
  if (value->is_int64()) {
    number = value->get_int64();
  } else if (value->is_uint64()) {
    // Too large for int64: certainly above any maximum we accept.
    number = std::numeric_limits<std::int64_t>::max();
  } else if (value->is_double() && std::trunc(value->get_double()) == value->get_double() &&
             std::abs(value->get_double()) < 9.0e15) {
    number = static_cast<std::int64_t>(value->get_double());
  } else {
    problem(key, std::string{"expected a whole number, found "} + json_kind_name(*value));
    return false;
  }
  if (number < min || number > max) {
    problem(
        key,
        "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", found " +
            (value->is_uint64() ? std::to_string(value->get_uint64()) : std::to_string(number)));
    return false;
  }
  out = number;
  return true;
}

bool json_object_reader::read_milliseconds(std::string_view key, std::chrono::milliseconds& out,
                                           std::int64_t min_ms, std::int64_t max_ms) {
  std::int64_t ms = 0;
  if (!read_integer(key, ms, min_ms, max_ms))
    return false;
  out = std::chrono::milliseconds{ms};
  return true;
}

bool json_object_reader::read_unsigned(std::string_view key, std::uint32_t& out, std::uint32_t min,
                                       std::uint32_t max) {
  std::int64_t number = 0;
  if (!read_integer(key, number, min, max))
    return false;
  out = static_cast<std::uint32_t>(number);
  return true;
}

bool json_object_reader::read_number(std::string_view key, double& out, double min, double max) {
  auto value = find(key);
  if (value == nullptr)
    return false;
  if (!value->is_number()) {
    problem(key, std::string{"expected a number, found "} + json_kind_name(*value));
    return false;
  }
  auto number = value->to_number<double>();
  if (!(number >= min && number <= max)) {
    problem(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return false;
  }
  out = number;
  return true;
}

const boost::json::object* json_object_reader::read_object(std::string_view key) {
  auto value = find(key);
  if (value == nullptr)
    return nullptr;
  if (!value->is_object()) {
    problem(key, std::string{"expected an object, found "} + json_kind_name(*value));
    return nullptr;
  }
  return &value->get_object();
}

const boost::json::array* json_object_reader::read_array(std::string_view key) {
  auto value = find(key);
  if (value == nullptr)
    return nullptr;
  if (!value->is_array()) {
    problem(key, std::string{"expected an array, found "} + json_kind_name(*value));
    return nullptr;
  }
  return &value->get_array();
}

void json_object_reader::report_unknown_keys() {
  for (const auto& entry : object_) {
    std::string_view key = entry.key();
    if (known_keys_.count(key) > 0)
      continue;
    std::string reason = "unknown key";
    std::string_view best;
    std::size_t best_distance = 3;
    for (const auto& known : known_keys_) {
      auto distance = edit_distance(key, known);
      if (distance < best_distance) {
        best_distance = distance;
        best = known;
      }
    }
    if (!best.empty())
      reason += " (did you mean \"" + std::string{best} + "\"?)";
    problem(key, std::move(reason));
  }
}

} // namespace camfleet
