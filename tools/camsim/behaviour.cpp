#include "tools/camsim/behaviour.hpp"

#include "tools/camsim/json_path.hpp"

#include <array>
#include <utility>

#include <boost/json.hpp>

namespace camfleet::camsim {

namespace {

constexpr std::array<std::pair<behaviour_kind, const char*>, 13> kind_names{{
    {behaviour_kind::healthy, "healthy"},
    {behaviour_kind::slow, "slow"},
    {behaviour_kind::blackhole, "blackhole"},
    {behaviour_kind::reset, "reset"},
    {behaviour_kind::refuse, "refuse"},
    {behaviour_kind::session_full, "session_full"},
    {behaviour_kind::stall_after_play, "stall_after_play"},
    {behaviour_kind::drop_after, "drop_after"},
    {behaviour_kind::no_key_frame, "no_key_frame"},
    {behaviour_kind::garbage, "garbage"},
    {behaviour_kind::tplink_sdp, "tplink_sdp"},
    {behaviour_kind::auth_rejected, "auth_rejected"},
    {behaviour_kind::flapping, "flapping"},
}};

// An hour is far past any test's patience; a larger value is a typo.
constexpr std::int64_t max_delay_ms = 3'600'000;
constexpr std::int64_t max_frames = 1'000'000;

std::string kind_list() {
  std::string result;
  for (const auto& [kind, name] : kind_names)
    result += (result.empty() ? "" : ", ") + std::string{name};
  return result;
}

bool has_parameters(behaviour_kind kind) {
  switch (kind) {
  case behaviour_kind::slow:
  case behaviour_kind::session_full:
  case behaviour_kind::stall_after_play:
  case behaviour_kind::drop_after:
  case behaviour_kind::garbage:
  case behaviour_kind::flapping:
    return true;
  default:
    return false;
  }
}

behaviour parse_one(const boost::json::value& value, const std::string& path, bool nested) {
  behaviour result;

  // A bare name is enough for kinds that take no parameters.
  if (value.is_string()) {
    auto kind = behaviour_kind_from_string(value.get_string());
    if (!kind)
      throw json_error(path, "unknown behaviour; expected one of " + kind_list());
    if (has_parameters(*kind))
      throw json_error(path, "behaviour '" + std::string{value.get_string()} +
                                 "' needs parameters: write it as an object");
    result.kind = *kind;
    return result;
  }

  json_object_reader reader{value, path};
  auto name = reader.string("kind");
  auto kind = behaviour_kind_from_string(name);
  if (!kind)
    throw json_error(reader.child_path("kind"),
                     "unknown behaviour '" + name + "'; expected one of " + kind_list());
  result.kind = *kind;

  switch (result.kind) {
  case behaviour_kind::slow:
    result.delay_ms = reader.integer("delay_ms", 1, max_delay_ms);
    break;
  case behaviour_kind::session_full:
    result.status = static_cast<int>(reader.integer_or("status", 406, 453, 453));
    if (result.status != 453 && result.status != 406)
      throw json_error(reader.child_path("status"), "must be 453 or 406");
    break;
  case behaviour_kind::stall_after_play:
  case behaviour_kind::drop_after:
    result.frames = reader.integer("frames", 0, max_frames);
    break;
  case behaviour_kind::garbage: {
    auto mode = reader.string_or("mode", "status_line");
    if (mode == "status_line")
      result.garbage = garbage_mode::status_line;
    else if (mode == "headers")
      result.garbage = garbage_mode::headers;
    else if (mode == "sdp")
      result.garbage = garbage_mode::sdp;
    else
      throw json_error(reader.child_path("mode"), "must be status_line, headers or sdp");
    break;
  }
  case behaviour_kind::flapping:
    if (nested)
      throw json_error(reader.child_path("kind"), "flapping cannot flap to flapping");
    result.period_ms = reader.integer("period_ms", 10, max_delay_ms);
    result.first =
        std::make_shared<behaviour>(parse_one(reader.required("a"), reader.child_path("a"), true));
    result.second =
        std::make_shared<behaviour>(parse_one(reader.required("b"), reader.child_path("b"), true));
    break;
  default:
    break;
  }
  reader.finish();
  return result;
}

} // namespace

const char* to_string(behaviour_kind kind) {
  for (const auto& [k, name] : kind_names)
    if (k == kind)
      return name;
  return "unknown";
}

std::optional<behaviour_kind> behaviour_kind_from_string(std::string_view name) {
  for (const auto& [kind, n] : kind_names)
    if (name == n)
      return kind;
  return std::nullopt;
}

const char* to_string(garbage_mode mode) {
  switch (mode) {
  case garbage_mode::status_line:
    return "status_line";
  case garbage_mode::headers:
    return "headers";
  case garbage_mode::sdp:
    break;
  }
  return "sdp";
}

const behaviour& behaviour::at(std::int64_t elapsed_ms) const {
  if (kind != behaviour_kind::flapping || period_ms <= 0)
    return *this;
  return (elapsed_ms / period_ms) % 2 == 0 ? *first : *second;
}

behaviour parse_behaviour(const boost::json::value& value, const std::string& path) {
  return parse_one(value, path, false);
}

boost::json::value to_json(const behaviour& b) {
  boost::json::object result;
  result["kind"] = to_string(b.kind);
  switch (b.kind) {
  case behaviour_kind::slow:
    result["delay_ms"] = b.delay_ms;
    break;
  case behaviour_kind::session_full:
    result["status"] = b.status;
    break;
  case behaviour_kind::stall_after_play:
  case behaviour_kind::drop_after:
    result["frames"] = b.frames;
    break;
  case behaviour_kind::garbage:
    result["mode"] = to_string(b.garbage);
    break;
  case behaviour_kind::flapping:
    result["period_ms"] = b.period_ms;
    result["a"] = to_json(*b.first);
    result["b"] = to_json(*b.second);
    break;
  default:
    break;
  }
  return result;
}

} // namespace camfleet::camsim
