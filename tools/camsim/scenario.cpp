#include "tools/camsim/scenario.hpp"

#include "tools/camsim/json_path.hpp"
#include "tools/camsim/loopback.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <boost/json.hpp>

namespace camfleet::camsim {

namespace {

// Far beyond any real camera; larger values are typos that would make the
// encoder run for minutes at start-up.
constexpr std::int64_t max_width = 3840;
constexpr std::int64_t max_height = 2160;
constexpr std::int64_t max_session_limit = 1024;
constexpr std::int64_t max_timeout_s = 86'400;

subnet_config parse_prefix(const std::string& text, const std::string& path) {
  auto slash = text.find('/');
  if (slash == std::string::npos)
    throw json_error(path, "must be ADDRESS/LENGTH, such as 127.1.125.0/24");
  subnet_config result;
  try {
    result.network = parse_loopback_address(text.substr(0, slash));
  } catch (const std::invalid_argument& e) {
    throw json_error(path, e.what());
  }
  auto length_text = std::string_view{text}.substr(slash + 1);
  auto [end, ec] = std::from_chars(length_text.data(), length_text.data() + length_text.size(),
                                   result.prefix_length);
  unsigned min_length = result.network.is_v4() ? 8 : 128;
  unsigned max_length = result.network.is_v4() ? 32 : 128;
  if (ec != std::errc{} || end != length_text.data() + length_text.size() ||
      result.prefix_length < min_length || result.prefix_length > max_length)
    throw json_error(path, "prefix length must be from " + std::to_string(min_length) + " to " +
                               std::to_string(max_length) +
                               " so that the subnet stays inside loopback");
  return result;
}

bool contains(const subnet_config& subnet, const boost::asio::ip::address& address) {
  if (subnet.network.is_v6() || address.is_v6())
    return subnet.network == address;
  auto mask = subnet.prefix_length == 0 ? 0u : ~0u << (32 - subnet.prefix_length);
  return (subnet.network.to_v4().to_uint() & mask) == (address.to_v4().to_uint() & mask);
}

stream_params parse_stream(const boost::json::value* value, const std::string& path,
                           std::string& stream_path) {
  stream_params result;
  if (value == nullptr)
    return result;
  json_object_reader reader{*value, path};
  result.width = static_cast<int>(reader.integer_or("width", 16, max_width, result.width));
  result.height = static_cast<int>(reader.integer_or("height", 16, max_height, result.height));
  if (result.width % 2 != 0)
    throw json_error(reader.child_path("width"), "must be even (4:2:0 chroma)");
  if (result.height % 2 != 0)
    throw json_error(reader.child_path("height"), "must be even (4:2:0 chroma)");
  result.fps = static_cast<int>(reader.integer_or("fps", 1, 60, result.fps));
  result.key_frame_interval =
      static_cast<int>(reader.integer_or("key_frame_interval", 1, 600, result.key_frame_interval));
  result.clip_file = reader.string_or("clip_file", "");
  stream_path = reader.string_or("path", stream_path);
  if (stream_path.empty() || stream_path.front() != '/')
    throw json_error(reader.child_path("path"), "must start with '/'");
  reader.finish();
  return result;
}

camera_config parse_camera(const boost::json::value& value, const std::string& path,
                           const subnet_config& subnet) {
  json_object_reader reader{value, path};
  camera_config result;
  result.subnet = subnet.name;

  result.id = reader.string("id");
  if (result.id.empty() || result.id == "*" || result.id.find('/') != std::string::npos)
    throw json_error(reader.child_path("id"), "must be non-empty, not '*', without '/'");

  auto address_text = reader.string("address");
  try {
    result.address = parse_loopback_address(address_text);
  } catch (const std::invalid_argument& e) {
    throw json_error(reader.child_path("address"), e.what());
  }
  if (!contains(subnet, result.address))
    throw json_error(reader.child_path("address"),
                     "'" + address_text + "' is not inside subnet '" + subnet.name + "'");
  result.port = static_cast<std::uint16_t>(reader.integer("port", 0, 65535));

  // The model decides the defaults that the rest of the entry may override.
  result.model = reader.string_or("model", "unknown");
  result.family = family_of(result.model);
  result.session_limit = static_cast<std::size_t>(
      reader.integer_or("session_limit", 1, max_session_limit,
                        static_cast<std::int64_t>(default_session_limit(result.family))));
  result.full_status = static_cast<int>(reader.integer_or("full_status", 406, 453, 453));
  if (result.full_status != 453 && result.full_status != 406)
    throw json_error(reader.child_path("full_status"), "must be 453 or 406");
  result.session_timeout_s = reader.integer_or("session_timeout_s", 1, max_timeout_s, 60);

  // Credentials: a camera with an account asks for it (Digest, as most Tapo
  // firmware) unless the entry says otherwise.
  if (auto* credentials = reader.optional("credentials")) {
    json_object_reader creds{*credentials, reader.child_path("credentials")};
    result.username = creds.string("username");
    result.password = creds.string("password");
    if (result.username.empty() || result.username.find(':') != std::string::npos)
      throw json_error(creds.child_path("username"), "must be non-empty, without ':'");
    creds.finish();
  }
  auto auth = reader.string_or("auth", result.username.empty() ? "none" : "digest");
  if (auth == "none")
    result.auth = auth_mode::none;
  else if (auth == "basic")
    result.auth = auth_mode::basic;
  else if (auth == "digest")
    result.auth = auth_mode::digest;
  else
    throw json_error(reader.child_path("auth"), "must be none, basic or digest");
  if (result.auth != auth_mode::none && result.username.empty())
    throw json_error(reader.child_path("credentials"), "is required when auth is " + auth);

  result.path = default_stream_path(result.family);
  result.stream = parse_stream(reader.optional("stream"), reader.child_path("stream"), result.path);
  if (auto* initial = reader.optional("behaviour"))
    result.initial = parse_behaviour(*initial, reader.child_path("behaviour"));
  reader.finish();
  return result;
}

timeline_event parse_event(const boost::json::value& value, const std::string& path,
                           const std::set<std::string>& ids) {
  json_object_reader reader{value, path};
  timeline_event result;
  result.at_ms = reader.integer("at_ms", 0, 7 * 86'400'000LL);
  result.camera = reader.string("camera");
  if (result.camera != "*" && ids.count(result.camera) == 0)
    throw json_error(reader.child_path("camera"), "no camera has id '" + result.camera + "'");
  result.change = parse_behaviour(reader.required("behaviour"), reader.child_path("behaviour"));
  reader.finish();
  return result;
}

const boost::json::array& array_at(const boost::json::value& value, const std::string& path) {
  if (!value.is_array())
    throw json_error(path, "must be an array");
  return value.get_array();
}

} // namespace

const char* to_string(auth_mode mode) {
  switch (mode) {
  case auth_mode::none:
    return "none";
  case auth_mode::basic:
    return "basic";
  case auth_mode::digest:
    break;
  }
  return "digest";
}

scenario parse_scenario(std::string_view json_text) {
  boost::system::error_code ec;
  auto document = boost::json::parse(json_text, ec);
  if (ec)
    throw json_error("$", "not valid JSON: " + ec.message());

  json_object_reader root{document, "$"};
  scenario result;
  std::set<std::string> ids;
  std::map<std::pair<boost::asio::ip::address, std::uint16_t>, std::string> endpoints;

  // The fleet, subnet by subnet.
  const auto& subnets = array_at(root.required("subnets"), root.child_path("subnets"));
  if (subnets.empty())
    throw json_error(root.child_path("subnets"), "must list at least one subnet");
  for (std::size_t i = 0; i < subnets.size(); ++i) {
    auto subnet_path = index_path(root.child_path("subnets"), i);
    json_object_reader subnet_reader{subnets[i], subnet_path};
    auto name = subnet_reader.string("name");
    auto subnet = parse_prefix(subnet_reader.string("prefix"), subnet_reader.child_path("prefix"));
    subnet.name = name;

    const auto& cameras =
        array_at(subnet_reader.required("cameras"), subnet_reader.child_path("cameras"));
    for (std::size_t j = 0; j < cameras.size(); ++j) {
      auto camera_path = index_path(subnet_reader.child_path("cameras"), j);
      auto camera = parse_camera(cameras[j], camera_path, subnet);
      if (!ids.insert(camera.id).second)
        throw json_error(camera_path + ".id", "duplicate camera id '" + camera.id + "'");
      if (camera.port != 0) {
        auto [it, inserted] = endpoints.emplace(std::pair{camera.address, camera.port}, camera.id);
        if (!inserted)
          throw json_error(camera_path + ".port",
                           "address and port already used by camera '" + it->second + "'");
      }
      result.cameras.push_back(std::move(camera));
    }
    subnet_reader.finish();
    result.subnets.push_back(std::move(subnet));
  }

  // The timeline, applied by camsim itself once every listener is bound.
  if (auto* timeline = root.optional("timeline")) {
    const auto& events = array_at(*timeline, root.child_path("timeline"));
    for (std::size_t i = 0; i < events.size(); ++i)
      result.timeline.push_back(
          parse_event(events[i], index_path(root.child_path("timeline"), i), ids));
    std::stable_sort(result.timeline.begin(), result.timeline.end(),
                     [](const auto& a, const auto& b) { return a.at_ms < b.at_ms; });
  }
  root.finish();
  return result;
}

scenario load_scenario(const std::string& file) {
  std::ifstream in{file, std::ios::binary};
  if (!in)
    throw std::runtime_error("cannot read scenario file '" + file + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str());
}

} // namespace camfleet::camsim
