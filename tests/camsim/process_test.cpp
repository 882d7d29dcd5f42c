// The camsim command line as chaos tests use it: a scenario file in, "ready"
// out, a clean exit on SIGTERM or after --duration-s.

#include "tests/camsim/camsim_process.hpp"
#include "tests/camsim/raw_rtsp_client.hpp"
#include "tests/camsim/running_fleet.hpp"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <regex>

#include <catch2/catch.hpp>

using namespace camfleet::camsim::test;
using namespace std::chrono_literals;

namespace {

// Encoding the example's clips takes about a second; ten is a bound.
constexpr auto ready_budget = 10s;

std::string temp_scenario(const std::string& text) {
  char name[] = "/tmp/camsim-scenario-XXXXXX";
  int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::ofstream{name} << text;
  return name;
}

const std::string small_fleet =
    R"({"subnets": [{"name": "p", "prefix": "127.77.2.0/24", "cameras": [
      {"id": "a", "address": "127.77.2.1", "port": 0,
       "stream": {"width": 160, "height": 96, "fps": 5, "key_frame_interval": 5}},
      {"id": "b", "address": "127.77.2.2", "port": 0,
       "stream": {"width": 160, "height": 96, "fps": 5, "key_frame_interval": 5}}]}]})";

} // namespace

TEST_CASE("integration: camsim prints ready, serves the API and stops on SIGTERM",
          "[camsim][integration]") {
  auto file = temp_scenario(small_fleet);
  camsim_process camsim{{"--scenario", file, "--control", "127.0.0.1:0"}};
  auto line = camsim.first_line(ready_budget);
  REQUIRE(line);
  std::smatch match;
  REQUIRE(
      std::regex_match(*line, match, std::regex{R"(ready control=127\.0\.0\.1:(\d+) cameras=2)"}));
  auto port = static_cast<std::uint16_t>(std::stoi(match[1]));

  auto health = control_call(port, "GET", "/health");
  CHECK(health.status == 200);
  CHECK(health.body.at("cameras") == 2);
  CHECK(health.body.at("clips") == 1); // equal stream parameters share one clip

  camsim.signal(SIGTERM);
  CHECK(camsim.wait(5s) == 0);
  // Log lines carry an explicit UTC offset ("+00:00").
  CHECK(std::regex_search(
      camsim.error_output(),
      std::regex{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d \[info\])"}));
  std::remove(file.c_str());
}

TEST_CASE("integration: camsim never logs a password", "[camsim][integration]") {
  auto file = temp_scenario(
      R"({"subnets": [{"name": "p", "prefix": "127.77.3.0/24", "cameras": [
        {"id": "a", "address": "127.77.3.1", "port": 0, "auth": "basic",
         "credentials": {"username": "camsim", "password": "Pa55-w0rd"},
         "stream": {"width": 160, "height": 96, "fps": 5, "key_frame_interval": 5}}]}]})");
  camsim_process camsim{{"--scenario", file, "--log-level", "debug"}};
  auto line = camsim.first_line(ready_budget);
  REQUIRE(line);
  auto port = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  auto cameras = control_call(port, "GET", "/cameras");
  REQUIRE(cameras.status == 200);
  auto camera_port =
      static_cast<std::uint16_t>(cameras.body.at("cameras").at(0).at("port").to_number<int>());

  // A client that puts the password in the URL and sends a wrong one in the
  // header: camsim logs the 401 and the URL, with the credentials redacted.
  raw_rtsp_client client;
  REQUIRE_FALSE(client.connect("127.77.3.1", camera_port, 5s));
  auto reply = client.request(
      "DESCRIBE", "rtsp://camsim:Pa55-w0rd@127.77.3.1:" + std::to_string(camera_port) + "/stream1",
      "Authorization: Basic Y2Ftc2ltOlBhNTUtdzByZA==\r\n", 5s);
  REQUIRE(reply);
  CHECK(reply->status == 200);
  reply = client.request(
      "DESCRIBE", "rtsp://camsim:Pa55-w0rd@127.77.3.1:" + std::to_string(camera_port) + "/nowhere",
      "Authorization: Basic Y2Ftc2ltOlBhNTUtdzByZA==\r\n", 5s);
  REQUIRE(reply);
  CHECK(reply->status == 404);

  camsim.signal(SIGTERM);
  CHECK(camsim.wait(5s) == 0);
  auto log = camsim.error_output();
  CHECK(log.find("rtsp://***@127.77.3.1") != std::string::npos);
  CHECK(log.find("Pa55-w0rd") == std::string::npos);
  CHECK(log.find("Y2Ftc2ltOlBhNTUtdzByZA") == std::string::npos);
  std::remove(file.c_str());
}

TEST_CASE("integration: camsim stops by itself after --duration-s", "[camsim][integration]") {
  auto file = temp_scenario(small_fleet);
  camsim_process camsim{{"--scenario", file, "--duration-s", "0.5"}};
  REQUIRE(camsim.first_line(ready_budget));
  CHECK(camsim.wait(5s) == 0);
  std::remove(file.c_str());
}

TEST_CASE("integration: camsim refuses addresses outside loopback", "[camsim][integration]") {
  SECTION("a control address on the LAN") {
    auto file = temp_scenario(small_fleet);
    camsim_process camsim{{"--scenario", file, "--control", "0.0.0.0:8080"}};
    CHECK(camsim.wait(5s) == 2);
    CHECK(camsim.error_output().find("outside loopback") != std::string::npos);
    std::remove(file.c_str());
  }
  SECTION("a camera on the LAN, named by its JSON path") {
    auto file = temp_scenario(
        R"({"subnets": [{"name": "lan", "prefix": "127.0.0.0/8", "cameras": [
          {"id": "a", "address": "192.168.1.20", "port": 554}]}]})");
    camsim_process camsim{{"--scenario", file}};
    CHECK(camsim.wait(5s) == 2);
    CHECK(camsim.error_output().find("$.subnets[0].cameras[0].address") != std::string::npos);
    std::remove(file.c_str());
  }
}
