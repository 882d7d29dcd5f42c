// A scenario: the simulated fleet and the timeline of behaviour changes that
// camsim applies to it by itself, read from a JSON file.
//
// Example (tools/camsim/scenarios/two_subnets.json has a fuller one):
//   {"subnets": [{"name": "yard", "prefix": "127.1.125.0/24", "cameras": [
//      {"id": "yard-c110", "address": "127.1.125.19", "port": 8554, "model": "Tapo C110",
//       "auth": "digest", "credentials": {"username": "cam", "password": "secret"},
//       "session_timeout_s": 15, "stream": {"fps": 15, "key_frame_interval": 30},
//       "behaviour": "healthy"}]}],
//    "timeline": [{"at_ms": 5000, "camera": "yard-c110",
//                  "behaviour": {"kind": "stall_after_play", "frames": 45}}]}

#pragma once

#include "tools/camsim/behaviour.hpp"
#include "tools/camsim/camera_model.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace camfleet::camsim {

enum class auth_mode { none, basic, digest };

const char* to_string(auth_mode mode);

/// What a camera streams. Cameras with equal parameters share one encoded clip.
struct stream_params {
  int width = 640;
  int height = 360;
  int fps = 15;
  int key_frame_interval = 30;
  /// An Annex B H.264 file to stream instead of an encoded test pattern.
  std::string clip_file;

  auto key() const { return std::tie(width, height, fps, key_frame_interval, clip_file); }
  bool operator<(const stream_params& other) const { return key() < other.key(); }
};

struct camera_config {
  std::string id;
  std::string subnet;
  std::string model;
  model_family family = model_family::unknown;
  boost::asio::ip::address address;
  /// 0 binds an ephemeral port (the control API reports the one bound).
  std::uint16_t port = 0;
  std::string path;
  std::size_t session_limit = 1;
  /// What SETUP answers when every slot is taken: 453 or 406.
  int full_status = 453;
  auth_mode auth = auth_mode::none;
  std::string username;
  std::string password;
  std::int64_t session_timeout_s = 60;
  stream_params stream;
  behaviour initial;
};

struct subnet_config {
  std::string name;
  boost::asio::ip::address network;
  unsigned prefix_length = 32;
};

struct timeline_event {
  std::int64_t at_ms = 0;
  /// A camera id, or "*" for every camera.
  std::string camera;
  behaviour change;
};

struct scenario {
  std::vector<subnet_config> subnets;
  std::vector<camera_config> cameras;
  /// Sorted by at_ms; events at the same offset keep their file order.
  std::vector<timeline_event> timeline;
};

/// Parses and validates a scenario; throws json_error with the path of the
/// first problem ("$" for JSON syntax errors).
scenario parse_scenario(std::string_view json_text);

/// Reads `file` and parses it; throws std::runtime_error when unreadable.
scenario load_scenario(const std::string& file);

} // namespace camfleet::camsim
