#include "tools/camsim/camera_model.hpp"

#include <algorithm>
#include <cctype>

namespace camfleet::camsim {

namespace {

std::string lower(std::string_view text) {
  std::string result{text};
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The digit after the "c" of a Tapo model number ("tapo c110" -> '1'), or 0.
char tapo_series(std::string_view model) {
  auto rest = model;
  if (starts_with(rest, "tapo"))
    rest.remove_prefix(4);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '-' || rest.front() == '_'))
    rest.remove_prefix(1);
  if (rest.size() >= 4 && rest[0] == 'c' && std::isdigit(static_cast<unsigned char>(rest[1])) &&
      std::isdigit(static_cast<unsigned char>(rest[2])) &&
      std::isdigit(static_cast<unsigned char>(rest[3])))
    return rest[1];
  return 0;
}

} // namespace

model_family family_of(std::string_view model) {
  auto name = lower(model);
  if (name.find("vigi") != std::string::npos)
    return model_family::vigi;
  if (name.find("hikvision") != std::string::npos || starts_with(name, "ds-") ||
      name.find("dahua") != std::string::npos || starts_with(name, "ipc-"))
    return model_family::hikvision_dahua;
  if (name.find("axis") != std::string::npos)
    return model_family::axis;
  switch (tapo_series(name)) {
  case '1':
    return model_family::tapo_fixed;
  case '2':
  case '5':
    return model_family::tapo_pan_tilt;
  default:
    return model_family::unknown;
  }
}

const char* to_string(model_family family) {
  switch (family) {
  case model_family::tapo_pan_tilt:
    return "tapo_pan_tilt";
  case model_family::tapo_fixed:
    return "tapo_fixed";
  case model_family::vigi:
    return "vigi";
  case model_family::hikvision_dahua:
    return "hikvision_dahua";
  case model_family::axis:
    return "axis";
  case model_family::unknown:
    break;
  }
  return "unknown";
}

std::size_t default_session_limit(model_family family) {
  switch (family) {
  case model_family::tapo_pan_tilt:
    return 1;
  case model_family::tapo_fixed:
    return 2;
  case model_family::vigi:
    return 3;
  case model_family::hikvision_dahua:
    return 4;
  case model_family::axis:
    return 8;
  case model_family::unknown:
    break;
  }
  return 1;
}

std::string default_stream_path(model_family family) {
  switch (family) {
  case model_family::hikvision_dahua:
    // Hikvision's path; Dahua's /cam/realmonitor?... can be set per camera.
    return "/Streaming/Channels/101";
  case model_family::axis:
    return "/axis-media/media.amp";
  default:
    return "/stream1";
  }
}

} // namespace camfleet::camsim
