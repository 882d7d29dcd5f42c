// camfleetd end to end: the real binary against GStreamer's RTSP server
// (tools/rtsp_test_server.py), which counts connections and TEARDOWNs on its
// own, and silent listeners that accept and never answer.

#include "tests/support/child_process.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/rtsp_test_server.hpp"
#include "tests/support/silent_listener.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <sys/wait.h>

using namespace camfleet;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

namespace fs = std::filesystem;

const std::string daemon_path = CAMFLEET_BINARY_DIR "/fleet/camfleetd";

// These checks ask whether anything is left connected, not how fast: see
// rtsp_test_server::report_bound.
constexpr auto server_report_bound = test::rtsp_test_server::report_bound;

// A password nobody would write by accident, with the characters that must
// be percent-encoded in a URL.
const std::string distinctive_password = "Zq7-wombat@:/secret";

struct temporary_directory {
  fs::path path;
  temporary_directory() {
    char pattern[] = "/tmp/camfleetd-test-XXXXXX";
    path = mkdtemp(pattern);
  }
  ~temporary_directory() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

struct daemon_run {
  std::vector<std::string> lines;
  /// Exit status, or -1 if the daemon had to be killed.
  int exit_status = -1;
  std::chrono::milliseconds wall{0};
};

// Reads the daemon's output (stdout and stderr) until it exits or `bound`
// passes, then reaps it.
daemon_run collect(test::child_process& daemon, std::chrono::milliseconds bound) {
  daemon_run run;
  auto started = steady_clock::now();
  auto deadline = started + bound;
  std::string line;
  while (steady_clock::now() < deadline) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    auto status = daemon.read_line(line, std::max(left, 1ms));
    if (status == test::child_process::read_status::line)
      run.lines.push_back(line);
    else if (status == test::child_process::read_status::end_of_file)
      break;
  }
  while (daemon.running() && steady_clock::now() < deadline + 1s)
    std::this_thread::sleep_for(5ms);
  auto status = daemon.terminate(0ms);
  run.wall = std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - started);
  if (status >= 0 && WIFEXITED(status))
    run.exit_status = WEXITSTATUS(status);
  return run;
}

std::string write_config(const fs::path& dir, const std::string& json) {
  auto path = dir / "camfleet.json";
  std::ofstream{path} << json;
  return path.string();
}

std::vector<boost::json::object> patrol_log(const fs::path& file) {
  std::vector<boost::json::object> lines;
  std::ifstream in{file};
  std::string line;
  while (std::getline(in, line))
    lines.push_back(boost::json::parse(line).as_object());
  return lines;
}

// Width and height from a baseline or progressive JPEG's frame header.
std::pair<int, int> jpeg_size(const fs::path& file) {
  std::ifstream in{file, std::ios::binary};
  std::vector<unsigned char> bytes{std::istreambuf_iterator<char>{in}, {}};
  if (bytes.size() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8)
    return {0, 0};
  std::size_t i = 2;
  while (i + 9 < bytes.size()) {
    if (bytes[i] != 0xFF)
      return {0, 0};
    auto marker = bytes[i + 1];
    auto length = (bytes[i + 2] << 8) | bytes[i + 3];
    if (marker == 0xC0 || marker == 0xC1 || marker == 0xC2)
      return {(bytes[i + 7] << 8) | bytes[i + 8], (bytes[i + 5] << 8) | bytes[i + 6]};
    i += 2 + static_cast<std::size_t>(length);
  }
  return {0, 0};
}

std::string lines_text(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines)
    text += line + "\n";
  return text;
}

// What every log line starts with: local time, milliseconds, UTC offset.
const std::regex log_line_start{R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d )"};
const std::regex iso_with_offset{R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$)"};

std::string camera_json(const std::string& id, const std::string& host, std::uint16_t port) {
  return R"({"id": ")" + id + R"(", "host": ")" + host + R"(", "port": )" + std::to_string(port) +
         "}";
}

} // namespace

TEST_CASE("camfleetd --once: healthy cameras captured, a silent one cancelled, nothing left open",
          "[fleet][integration]") {
  test::rtsp_test_server::options server_options;
  server_options.cameras = {"127.1.140.10:8554", "127.1.140.11:8554"};
  server_options.silent = {"127.1.140.12:8554"};
  server_options.user = "camfleet";
  server_options.password = distinctive_password;
  test::rtsp_test_server server{server_options};
  temporary_directory dir;
  ::setenv("CAMFLEET_TEST_PASSWORD", distinctive_password.c_str(), 1);

  auto config = write_config(dir.path, R"({
    "snapshot_dir": ")" + (dir.path / "snapshots").string() +
                                           R"(",
    "patrol_log": ")" + (dir.path / "patrols.jsonl").string() +
                                           R"(",
    "log": {"level": "debug"},
    "defaults": {
      "subnet": {"patrol_deadline_ms": 2500, "parallel_captures": 3},
      "camera": {"port": 8554, "username": "camfleet", "password_env": "CAMFLEET_TEST_PASSWORD",
                 "connect_budget_ms": 10000, "capture_budget_ms": 10000,
                 "teardown_budget_ms": 500}
    },
    "subnets": [{"name": "site-a", "cameras": [
      {"id": "door", "host": "127.1.140.10"},
      {"id": "yard", "host": "127.1.140.11"},
      {"id": "c110-silent", "host": "127.1.140.12"}]}]
  })");

  auto started_at = fs::file_time_type::clock::now();
  test::child_process daemon{{daemon_path, "--config", config, "--once"},
                             test::child_process::stderr_mode::merge_into_stdout};
  auto run = collect(daemon, 20s);
  INFO(lines_text(run.lines));
  // One daemon run, checked in several respects (sections would rerun it).

  // The exit status says not every camera was captured.
  { CHECK(run.exit_status == 1); }

  // The patrol ended within its deadline and reported every camera.
  {
    auto lines = patrol_log(dir.path / "patrols.jsonl");
    REQUIRE(lines.size() == 1);
    auto& patrol = lines[0];
    CHECK(patrol["subnet"].as_string() == "site-a");
    CHECK(patrol["patrol"].to_number<int>() == 1);
    CHECK(std::regex_match(std::string{patrol["started_at"].as_string()}, iso_with_offset));
    CHECK(std::regex_match(std::string{patrol["ended_at"].as_string()}, iso_with_offset));
    // The deadline, then the cancelled capture's teardown budget.
    CHECK(patrol["duration_ms"].to_number<int>() <= 2500 + 500 + 300);
    CHECK(patrol["deadline_reached"].as_bool());
    auto& cameras = patrol["cameras"].as_array();
    REQUIRE(cameras.size() == 3);
    CHECK(cameras[0].at("outcome").as_string() == "captured");
    CHECK(cameras[1].at("outcome").as_string() == "captured");
    CHECK(cameras[2].at("outcome").as_string() == "failed");
    auto kind = std::string{cameras[2].at("failure").as_string()};
    CHECK((kind == "cancelled" || kind == "connect_timeout"));
  }

  // The healthy cameras have fresh snapshots of the right size.
  {
    for (const auto* camera : {"door", "yard"}) {
      auto file = dir.path / "snapshots" / "site-a" / camera / "latest.jpg";
      REQUIRE(fs::exists(file));
      CHECK(fs::last_write_time(file) >= started_at - 1s);
      CHECK(jpeg_size(file) == std::pair{640, 360});
    }
    CHECK_FALSE(fs::exists(dir.path / "snapshots" / "site-a" / "c110-silent" / "latest.jpg"));
  }

  // Every connection was closed, and every session torn down.
  {
    for (const auto* address : {"127.1.140.10:8554", "127.1.140.11:8554"}) {
      auto counts = server.counts_for(address);
      CHECK(counts.connected >= 1);
      CHECK(server.wait_for(address, "closed", counts.connected, server_report_bound));
      CHECK(server.wait_for(address, "teardown", 1, server_report_bound));
    }
    auto silent = server.counts_for("127.1.140.12:8554");
    CHECK(silent.connected == 1);
    CHECK(server.wait_for("127.1.140.12:8554", "closed", 1, server_report_bound));
  }

  // Every log line has a timestamp with its offset and no password.
  {
    REQUIRE_FALSE(run.lines.empty());
    for (const auto& line : run.lines) {
      CHECK(std::regex_search(line, log_line_start));
      CHECK(line.find(distinctive_password) == std::string::npos);
      CHECK(line.find("wombat") == std::string::npos);
    }
    std::ifstream log_file{dir.path / "patrols.jsonl"};
    std::stringstream log_text;
    log_text << log_file.rdbuf();
    CHECK(log_text.str().find("wombat") == std::string::npos);
  }
}

TEST_CASE("camfleetd --once: exit status 0 when every camera is captured", "[fleet][integration]") {
  test::rtsp_test_server server{{{"127.1.141.10:8554"}, {}, "", "", "digest", 0, 15000ms}};
  temporary_directory dir;
  auto config = write_config(dir.path, R"({
    "snapshot_dir": ")" + (dir.path / "snapshots").string() +
                                           R"(",
    "patrol_log": ")" + (dir.path / "patrols.jsonl").string() +
                                           R"(",
    "subnets": [{"name": "site-b", "cameras": [)" +
                                           camera_json("gate", "127.1.141.10", 8554) + R"(]}]})");

  test::child_process daemon{{daemon_path, "--config", config, "--once"},
                             test::child_process::stderr_mode::merge_into_stdout};
  auto run = collect(daemon, 20s);
  INFO(lines_text(run.lines));
  CHECK(run.exit_status == 0);
  CHECK(jpeg_size(dir.path / "snapshots" / "site-b" / "gate" / "latest.jpg") ==
        std::pair{640, 360});
  CHECK(server.wait_for("127.1.141.10:8554", "closed",
                        server.counts_for("127.1.141.10:8554").connected, server_report_bound));
}

TEST_CASE("camfleetd: SIGTERM mid-patrol tears down every session and exits 0",
          "[fleet][integration]") {
  test::rtsp_test_server::options server_options;
  server_options.cameras = {"127.1.142.10:8554"};
  server_options.silent = {"127.1.142.11:8554"};
  test::rtsp_test_server server{server_options};
  temporary_directory dir;
  auto config = write_config(dir.path, R"({
    "snapshot_dir": ")" + (dir.path / "snapshots").string() +
                                           R"(",
    "patrol_log": ")" + (dir.path / "patrols.jsonl").string() +
                                           R"(",
    "defaults": {"subnet": {"patrol_interval_ms": 100, "patrol_deadline_ms": 30000},
                 "camera": {"connect_budget_ms": 30000, "capture_budget_ms": 30000}},
    "subnets": [{"name": "site-c", "cameras": [)" +
                                           camera_json("gate", "127.1.142.10", 8554) + ", " +
                                           camera_json("stuck", "127.1.142.11", 8554) + R"(]}]})");

  test::child_process daemon{{daemon_path, "--config", config},
                             test::child_process::stderr_mode::merge_into_stdout};
  // The silent camera holds the patrol open; stop the daemon in its middle.
  REQUIRE(server.wait_for("127.1.142.11:8554", "connected", 1, 10s));
  REQUIRE(server.wait_for("127.1.142.10:8554", "teardown", 1, 10s));
  daemon.send_signal(SIGTERM);
  auto run = collect(daemon, 5s);
  INFO(lines_text(run.lines));

  CHECK(run.exit_status == 0);
  CHECK(run.wall < 2s);
  CHECK(server.wait_for("127.1.142.11:8554", "closed", 1, server_report_bound));
  auto healthy = server.counts_for("127.1.142.10:8554");
  CHECK(server.wait_for("127.1.142.10:8554", "closed", healthy.connected, server_report_bound));
}

TEST_CASE("camfleetd: an invalid configuration exits 2 and contacts no camera", "[fleet]") {
  test::silent_listener camera{"127.1.143.10"};
  temporary_directory dir;
  auto config = write_config(dir.path, R"({
    "subnets": [{"name": "site-d", "cameras": [
      {"id": "gate", "host": "127.1.143.10", "port": )" +
                                           std::to_string(camera.port()) + R"(},
      {"id": "gate", "host": "cam.example", "colour": "red"}]}]})");

  test::child_process daemon{{daemon_path, "--config", config, "--once"},
                             test::child_process::stderr_mode::merge_into_stdout};
  auto run = collect(daemon, 10s);
  auto text = lines_text(run.lines);
  INFO(text);
  CHECK(run.exit_status == 2);
  CHECK(text.find("subnets[0].cameras[1].id: duplicate camera id \"gate\"") != std::string::npos);
  CHECK(text.find("subnets[0].cameras[1].host:") != std::string::npos);
  CHECK(text.find("subnets[0].cameras[1].colour: unknown key") != std::string::npos);
  CHECK(text.find("3 problems") != std::string::npos);
  CHECK(camera.accepted() == 0);
}

TEST_CASE("camfleetd --check-config: validates without contacting cameras", "[fleet]") {
  test::silent_listener camera{"127.1.143.11"};
  temporary_directory dir;
  auto config =
      write_config(dir.path, R"({"subnets": [{"name": "site-e", "cameras": [)" +
                                 camera_json("gate", "127.1.143.11", camera.port()) + "]}]}");
  test::child_process daemon{{daemon_path, "--config", config, "--check-config"}};
  auto run = collect(daemon, 10s);
  CHECK(run.exit_status == 0);
  REQUIRE(run.lines.size() == 1);
  CHECK(run.lines[0].find("valid, 1 cameras on 1 subnets") != std::string::npos);
  CHECK(camera.accepted() == 0);
}

TEST_CASE("camfleetd: a password file readable by others is refused before any camera is "
          "contacted",
          "[fleet]") {
  test::silent_listener camera{"127.1.143.12"};
  temporary_directory dir;
  auto password_file = dir.path / "door.password";
  std::ofstream{password_file} << distinctive_password << "\n";
  fs::permissions(password_file,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  auto config = write_config(
      dir.path,
      R"({"subnets": [{"name": "site-f", "cameras": [{"id": "door", "host": "127.1.143.12",
        "port": )" +
          std::to_string(camera.port()) + R"(, "password_file": ")" + password_file.string() +
          R"("}]}]})");

  for (const auto* mode : {"--check-config", "--once"}) {
    INFO(mode);
    test::child_process daemon{{daemon_path, "--config", config, mode},
                               test::child_process::stderr_mode::merge_into_stdout};
    auto run = collect(daemon, 10s);
    auto text = lines_text(run.lines);
    INFO(text);
    CHECK(run.exit_status == 2);
    CHECK(text.find("subnets[0].cameras[0].password_file: \"" + password_file.string() +
                    "\" is accessible by group or others; restrict it with chmod 600") !=
          std::string::npos);
    CHECK(text.find("wombat") == std::string::npos);
  }
  CHECK(camera.accepted() == 0);
}
