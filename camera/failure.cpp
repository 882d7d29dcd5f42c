#include "camera/failure.hpp"

#include <array>
#include <utility>

namespace camfleet {

namespace {

constexpr std::array<std::pair<failure_kind, const char*>, 12> failure_names{{
    {failure_kind::connect_timeout, "connect_timeout"},
    {failure_kind::no_key_frame, "no_key_frame"},
    {failure_kind::refused, "refused"},
    {failure_kind::unreachable, "unreachable"},
    {failure_kind::reset, "reset"},
    {failure_kind::auth_failed, "auth_failed"},
    {failure_kind::session_limit, "session_limit"},
    {failure_kind::not_found, "not_found"},
    {failure_kind::protocol_error, "protocol_error"},
    {failure_kind::decode_error, "decode_error"},
    {failure_kind::cancelled, "cancelled"},
    {failure_kind::storage_error, "storage_error"},
}};

} // namespace

const char* to_string(failure_kind kind) {
  for (const auto& [k, name] : failure_names)
    if (k == kind)
      return name;
  return "unknown";
}

std::optional<failure_kind> failure_kind_from_string(std::string_view name) {
  for (const auto& [k, text] : failure_names)
    if (name == text)
      return k;
  return std::nullopt;
}

} // namespace camfleet
