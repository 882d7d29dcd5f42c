#include "config/config_loader.hpp"

#include "config/admin_config_reader.hpp"
#include "config/json_object_reader.hpp"
#include "config/small_file.hpp"

#include <cstdlib>
#include <map>

#include <boost/json/stream_parser.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

namespace camfleet {

namespace {

// -- limits -------------------------------------------------------------------
//
// Wide enough for any real site (a 2.3 s round trip, a 28 s snapshot from a
// sick C110), narrow enough to catch a value given in seconds instead of
// milliseconds.

constexpr std::int64_t hour_ms = 3600 * 1000;
constexpr std::int64_t day_ms = 24 * hour_ms;
constexpr std::size_t max_name_length = 64;
constexpr std::size_t max_stream_path_length = 512;
// A fleet of thousands of cameras is a few hundred KiB.
constexpr std::size_t max_config_file_bytes = 4 * 1024 * 1024;
constexpr std::size_t max_password_file_bytes = 4 * 1024;

// -- single values ------------------------------------------------------------

const char* name_rule = "must be 1 to 64 letters, digits, '-', '_' or '.', starting with a "
                        "letter or digit";

// Returns why `host` is not acceptable as a camera address, or "" if it is.
std::string host_problem(const std::string& host) {
  if (host.empty())
    return "must not be empty";
  if (host.front() == '[')
    return "write an IPv6 address without brackets";

  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    auto first_octet = ntohl(v4.s_addr) >> 24;
    if (first_octet == 0)
      return "is in 0.0.0.0/8, which addresses no host";
    if (first_octet >= 224 && first_octet <= 239)
      return "is a multicast address, not a camera";
    if (first_octet >= 240)
      return "is a reserved or broadcast address, not a camera";
    return "";
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_UNSPECIFIED(&v6))
      return "is the unspecified address ::, which addresses no host";
    if (IN6_IS_ADDR_MULTICAST(&v6))
      return "is a multicast address, not a camera";
    return "";
  }
  return "\"" + host +
         "\" is not an IP address; camfleet never resolves host names, because "
         "a name lookup cannot be interrupted when a DNS server stalls";
}

std::string stream_path_problem(const std::string& path) {
  if (path.empty() || path.front() != '/')
    return "must start with '/', as in \"/stream1\"";
  if (path.size() > max_stream_path_length)
    return "is longer than " + std::to_string(max_stream_path_length) + " characters";
  for (char c : path)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return "must not contain spaces or control characters";
  return "";
}

// -- credentials --------------------------------------------------------------

// Reads a password file; it must be readable by its owner only, since it holds
// a camera account's secret.
bool read_password_file(json_object_reader& reader, const std::string& file_path,
                        std::string& password) {
  struct stat info {};
  if (::stat(file_path.c_str(), &info) != 0) {
    reader.problem("password_file", "cannot read \"" + file_path + "\": file not found");
    return false;
  }
  // Another user's file, even mode 600, is readable by that user too (and by
  // us only because we are root).
  if (info.st_uid != ::geteuid()) {
    reader.problem("password_file", "\"" + file_path + "\" belongs to uid " +
                                        std::to_string(info.st_uid) +
                                        ", not to the user camfleetd runs as (uid " +
                                        std::to_string(::geteuid()) + "); chown it");
    return false;
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    reader.problem("password_file", "\"" + file_path +
                                        "\" is accessible by group or others; "
                                        "restrict it with chmod 600");
    return false;
  }
  auto file = read_small_file(file_path, max_password_file_bytes);
  if (!file.content) {
    reader.problem("password_file", "cannot read " + file.error);
    return false;
  }
  password = std::move(*file.content);
  // Editors end files with a newline that is not part of the password.
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
    password.pop_back();
  return true;
}

// Reads at most one of password, password_env and password_file.
void read_password(json_object_reader& reader, const env_lookup& env, camera_config& camera) {
  std::string inline_password;
  std::string env_name;
  std::string file_path;
  bool has_inline = reader.read_string("password", inline_password);
  bool has_env = reader.read_string("password_env", env_name);
  bool has_file = reader.read_string("password_file", file_path);
  if (int(has_inline) + int(has_env) + int(has_file) > 1) {
    reader.problem("", "give at most one of password, password_env and password_file");
    return;
  }
  if (has_inline) {
    camera.endpoint.password = inline_password;
    camera.password_source = "inline";
  } else if (has_env) {
    auto value = env ? env(env_name) : std::nullopt;
    if (!value) {
      reader.problem("password_env", "environment variable " + env_name + " is not set");
      return;
    }
    camera.endpoint.password = *value;
    camera.password_source = "env:" + env_name;
  } else if (has_file) {
    if (read_password_file(reader, file_path, camera.endpoint.password))
      camera.password_source = "file:" + file_path;
  }
}

// -- settings that can be given as defaults -----------------------------------

void read_subnet_settings(json_object_reader& reader, subnet_config& subnet) {
  reader.read_milliseconds("patrol_interval_ms", subnet.patrol_interval, 100, day_ms);
  reader.read_unsigned("parallel_captures", subnet.parallel_captures, 1, 1024);
  reader.read_milliseconds("patrol_deadline_ms", subnet.patrol_deadline, 100, hour_ms);
}

void read_camera_settings(json_object_reader& reader, const env_lookup& env,
                          camera_config& camera) {
  reader.read_string("model", camera.model);

  std::uint32_t port = camera.endpoint.port;
  if (reader.read_unsigned("port", port, 1, 65535))
    camera.endpoint.port = static_cast<std::uint16_t>(port);
  std::string path;
  if (reader.read_string("path", path)) {
    if (auto why = stream_path_problem(path); !why.empty())
      reader.problem("path", why);
    else
      camera.endpoint.path = path;
  }
  if (reader.read_string("fallback_path", path)) {
    if (auto why = stream_path_problem(path); !why.empty())
      reader.problem("fallback_path", why);
    else
      camera.endpoint.fallback_path = path;
  }

  reader.read_string("username", camera.endpoint.username);
  read_password(reader, env, camera);

  reader.read_milliseconds("connect_budget_ms", camera.budget.connect, 100, 120000);
  reader.read_milliseconds("capture_budget_ms", camera.budget.capture, 100, 600000);
  reader.read_milliseconds("teardown_budget_ms", camera.budget.teardown, 50, 10000);
  reader.read_milliseconds("backoff_initial_ms", camera.backoff.initial, 100, hour_ms);
  reader.read_milliseconds("backoff_max_ms", camera.backoff.max, 100, day_ms);
}

// -- the document ---------------------------------------------------------------

struct fleet_defaults {
  subnet_config subnet;
  camera_config camera;
};

// Checks that need the whole camera, after every layer of defaults applied.
void check_camera(json_object_reader& reader, const camera_config& camera) {
  if (camera.budget.capture < camera.budget.connect)
    reader.problem("capture_budget_ms", "must be at least connect_budget_ms (" +
                                            std::to_string(camera.budget.connect.count()) +
                                            "), since the capture budget includes connecting");
  if (camera.backoff.max < camera.backoff.initial)
    reader.problem("backoff_max_ms", "must be at least backoff_initial_ms (" +
                                         std::to_string(camera.backoff.initial.count()) + ")");
}

struct uniqueness {
  std::map<std::string, std::string> camera_ids; // id → path of first use
  std::map<std::string, std::string> endpoints;  // host:port → path of first use
  std::map<std::string, std::string> subnet_names;
};

void read_camera(const boost::json::value& value, const std::string& path, const env_lookup& env,
                 const camera_config& defaults, uniqueness& seen, subnet_config& subnet,
                 std::vector<config_problem>& problems) {
  if (!value.is_object()) {
    problems.push_back({path, std::string{"expected an object, found "} + json_kind_name(value)});
    return;
  }
  json_object_reader reader{value.get_object(), path, problems};
  auto problems_before = problems.size();
  camera_config camera = defaults;

  if (!reader.has("id"))
    reader.problem("id", "is required");
  else if (reader.read_string("id", camera.id) && !is_valid_name(camera.id))
    reader.problem("id", name_rule);
  if (!reader.has("host"))
    reader.problem("host", "is required");
  else if (reader.read_string("host", camera.endpoint.host))
    if (auto why = host_problem(camera.endpoint.host); !why.empty())
      reader.problem("host", why);

  read_camera_settings(reader, env, camera);
  check_camera(reader, camera);
  reader.report_unknown_keys();

  // Two entries for one camera would give it two sessions: refuse.
  if (!camera.id.empty()) {
    auto [it, fresh] = seen.camera_ids.emplace(camera.id, path);
    if (!fresh)
      reader.problem("id",
                     "duplicate camera id \"" + camera.id + "\", first used at " + it->second);
  }
  if (!camera.endpoint.host.empty()) {
    auto key = camera.endpoint.host + " port " + std::to_string(camera.endpoint.port);
    auto [it, fresh] = seen.endpoints.emplace(key, path);
    if (!fresh)
      reader.problem("host", "the camera at " + key + " is already configured at " + it->second +
                                 "; one camera must have one entry, or it would get two "
                                 "sessions");
  }

  if (problems.size() == problems_before)
    subnet.cameras.push_back(std::move(camera));
}

void read_subnet(const boost::json::value& value, const std::string& path, const env_lookup& env,
                 const fleet_defaults& defaults, uniqueness& seen, fleet_config& fleet,
                 std::vector<config_problem>& problems) {
  if (!value.is_object()) {
    problems.push_back({path, std::string{"expected an object, found "} + json_kind_name(value)});
    return;
  }
  json_object_reader reader{value.get_object(), path, problems};
  subnet_config subnet = defaults.subnet;

  if (!reader.has("name"))
    reader.problem("name", "is required");
  else if (reader.read_string("name", subnet.name) && !is_valid_name(subnet.name))
    reader.problem("name", name_rule);
  if (!subnet.name.empty()) {
    auto [it, fresh] = seen.subnet_names.emplace(subnet.name, path);
    if (!fresh)
      reader.problem("name",
                     "duplicate subnet name \"" + subnet.name + "\", first used at " + it->second);
  }
  read_subnet_settings(reader, subnet);

  // Per-subnet defaults for its cameras, over the fleet-wide ones.
  camera_config camera_defaults = defaults.camera;
  if (auto object = reader.read_object("camera_defaults")) {
    json_object_reader nested{*object, json_path_join(path, "camera_defaults"), problems};
    read_camera_settings(nested, env, camera_defaults);
    nested.report_unknown_keys();
  }

  auto cameras = reader.read_array("cameras");
  if (cameras == nullptr && !reader.has("cameras"))
    reader.problem("cameras", "is required (a list of cameras; it may be empty)");
  if (cameras != nullptr) {
    auto cameras_path = json_path_join(path, "cameras");
    for (std::size_t i = 0; i < cameras->size(); ++i)
      read_camera((*cameras)[i], json_path_index(cameras_path, i), env, camera_defaults, seen,
                  subnet, problems);
  }
  reader.report_unknown_keys();
  fleet.subnets.push_back(std::move(subnet));
}

void read_log_settings(const boost::json::object& object, const std::string& path, log_config& log,
                       std::vector<config_problem>& problems) {
  json_object_reader reader{object, path, problems};
  std::string level;
  if (reader.read_string("level", level)) {
    if (level == "trace" || level == "debug" || level == "info" || level == "warn" ||
        level == "error")
      log.level = level;
    else
      reader.problem("level",
                     "must be one of trace, debug, info, warn, error; found \"" + level + "\"");
  }
  std::string format;
  if (reader.read_string("format", format)) {
    if (format == "text")
      log.format = log_format::text;
    else if (format == "json")
      log.format = log_format::json;
    else
      reader.problem("format", "must be \"text\" or \"json\"; found \"" + format + "\"");
  }
  reader.report_unknown_keys();
}

void read_fleet(const boost::json::object& root, const env_lookup& env, fleet_config& fleet,
                std::vector<config_problem>& problems) {
  json_object_reader reader{root, "", problems};

  for (auto key : {"snapshot_dir", "patrol_log"}) {
    auto& target = std::string_view{key} == "snapshot_dir" ? fleet.snapshot_dir : fleet.patrol_log;
    if (reader.read_string(key, target) && target.empty())
      reader.problem(key, "must not be empty");
  }
  if (auto object = reader.read_object("log"))
    read_log_settings(*object, "log", fleet.log, problems);
  if (auto object = reader.read_object("supervision")) {
    json_object_reader nested{*object, "supervision", problems};
    nested.read_unsigned("max_restarts", fleet.supervisor_restarts.max_restarts, 0, 1000);
    nested.read_milliseconds("restart_window_ms", fleet.supervisor_restarts.window, 100, day_ms);
    std::chrono::milliseconds grace{0};
    if (nested.read_milliseconds("stuck_grace_ms", grace, 0, hour_ms))
      fleet.stuck.grace = grace;
    nested.read_milliseconds("sweep_interval_ms", fleet.stuck.sweep_interval, 100, hour_ms);
    nested.report_unknown_keys();
  }
  if (auto object = reader.read_object("live")) {
    json_object_reader nested{*object, "live", problems};
    auto& live = fleet.live;
    nested.read_unsigned("max_viewers_per_camera", live.max_viewers_per_camera, 1, 64);
    nested.read_unsigned("max_viewers", live.max_viewers, 1, 1024);
    nested.read_milliseconds("max_lease_ms", live.max_lease, 1000, day_ms);
    nested.read_milliseconds("frame_interval_ms", live.frame_interval, 40, 60000);
    nested.read_milliseconds("stall_ms", live.stall_timeout, 500, hour_ms);
    nested.report_unknown_keys();
  }
  if (auto object = reader.read_object("admin")) {
    json_object_reader nested{*object, "admin", problems};
    admin_config admin;
    read_admin_settings(nested, env, admin);
    nested.report_unknown_keys();
    fleet.admin = std::move(admin);
  }

  fleet_defaults defaults;
  if (auto object = reader.read_object("defaults")) {
    json_object_reader nested{*object, "defaults", problems};
    if (auto subnet = nested.read_object("subnet")) {
      json_object_reader subnet_reader{*subnet, "defaults.subnet", problems};
      read_subnet_settings(subnet_reader, defaults.subnet);
      subnet_reader.report_unknown_keys();
    }
    if (auto camera = nested.read_object("camera")) {
      json_object_reader camera_reader{*camera, "defaults.camera", problems};
      read_camera_settings(camera_reader, env, defaults.camera);
      camera_reader.report_unknown_keys();
    }
    nested.report_unknown_keys();
  }

  uniqueness seen;
  auto subnets = reader.read_array("subnets");
  if (subnets == nullptr && !reader.has("subnets"))
    reader.problem("subnets", "is required: a list of subnets, each with a name and cameras");
  else if (subnets != nullptr && subnets->empty())
    reader.problem("subnets", "must list at least one subnet");
  if (subnets != nullptr)
    for (std::size_t i = 0; i < subnets->size(); ++i)
      read_subnet((*subnets)[i], json_path_index("subnets", i), env, defaults, seen, fleet,
                  problems);
  for (auto& subnet : fleet.subnets)
    for (auto& camera : subnet.cameras)
      camera.live = fleet.live;
  reader.report_unknown_keys();
}

// Where offset `offset` of `text` is, as "line L, column C" (both from 1).
std::string text_position(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

} // namespace

bool is_valid_name(const std::string& name) {
  if (name.empty() || name.size() > max_name_length)
    return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name.front()))
    return false;
  for (char c : name)
    if (!alnum(c) && c != '-' && c != '_' && c != '.')
      return false;
  return true;
}

std::string to_string(const config_problem& problem) {
  if (problem.path.empty())
    return problem.reason;
  return problem.path + ": " + problem.reason;
}

env_lookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (auto value = std::getenv(name.c_str()))
      return std::string{value};
    return std::nullopt;
  };
}

config_result parse_fleet_config(std::string_view json_text, const env_lookup& env) {
  config_result result;

  boost::json::stream_parser parser;
  boost::system::error_code ec;
  auto consumed = parser.write_some(json_text.data(), json_text.size(), ec);
  if (!ec && consumed < json_text.size())
    ec = boost::json::error::extra_data;
  if (!ec)
    parser.finish(ec);
  if (ec) {
    result.problems.push_back(
        {text_position(json_text, consumed), "invalid JSON: " + ec.message()});
    return result;
  }
  auto document = parser.release();
  if (!document.is_object()) {
    result.problems.push_back({"", std::string{"the configuration must be a JSON object, found "} +
                                       json_kind_name(document)});
    return result;
  }

  fleet_config fleet;
  read_fleet(document.get_object(), env, fleet, result.problems);
  if (result.problems.empty())
    result.config = std::move(fleet);
  return result;
}

config_result load_fleet_config(const std::string& file_path, const env_lookup& env) {
  auto file = read_small_file(file_path, max_config_file_bytes);
  if (!file.content) {
    config_result result;
    result.problems.push_back({"", "cannot read configuration file " + file.error});
    return result;
  }
  return parse_fleet_config(*file.content, env);
}

} // namespace camfleet
