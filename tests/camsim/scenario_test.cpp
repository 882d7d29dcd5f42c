#include "tools/camsim/json_path.hpp"
#include "tools/camsim/scenario.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace camfleet::camsim;

namespace {

// One subnet with one camera whose JSON members are `camera_fields`.
std::string fleet(const std::string& camera_fields, const std::string& extra = "") {
  return R"({"subnets": [{"name": "yard", "prefix": "127.1.125.0/24", "cameras": [{)" +
         camera_fields + "}]}]" + extra + "}";
}

const std::string minimal_camera = R"("id": "c1", "address": "127.1.125.19", "port": 8554)";

// The path of the error that parsing `text` raises.
std::string error_path(const std::string& text) {
  try {
    parse_scenario(text);
  } catch (const json_error& e) {
    return e.path();
  }
  FAIL("the scenario was accepted");
  return {};
}

} // namespace

TEST_CASE("unit: a minimal scenario gets the defaults", "[camsim]") {
  auto result = parse_scenario(fleet(minimal_camera));
  REQUIRE(result.cameras.size() == 1);
  const auto& cam = result.cameras[0];
  CHECK(cam.id == "c1");
  CHECK(cam.subnet == "yard");
  CHECK(cam.address.to_string() == "127.1.125.19");
  CHECK(cam.port == 8554);
  CHECK(cam.session_limit == 1);
  CHECK(cam.full_status == 453);
  CHECK(cam.auth == auth_mode::none);
  CHECK(cam.session_timeout_s == 60);
  CHECK(cam.path == "/stream1");
  CHECK(cam.stream.width == 640);
  CHECK(cam.initial.kind == behaviour_kind::healthy);
  CHECK(result.timeline.empty());
}

TEST_CASE("unit: a camera may live on ::1", "[camsim]") {
  auto result = parse_scenario(R"({"subnets": [{"name": "v6", "prefix": "::1/128", "cameras": [
                                   {"id": "c6", "address": "::1", "port": 0}]}]})");
  CHECK(result.cameras[0].address.is_v6());
  CHECK(error_path(R"({"subnets": [{"name": "v6", "prefix": "::1/64", "cameras": []}]})") ==
        "$.subnets[0].prefix");
}

TEST_CASE("unit: the model family sets the session limit", "[camsim]") {
  auto limit_of = [](const std::string& model) {
    return parse_scenario(fleet(minimal_camera + R"(, "model": ")" + model + "\""))
        .cameras[0]
        .session_limit;
  };
  CHECK(limit_of("Tapo C210") == 1);
  CHECK(limit_of("Tapo C520WS") == 1);
  CHECK(limit_of("Tapo C110") == 2);
  CHECK(limit_of("c100") == 2);
  CHECK(limit_of("VIGI C340") == 3);
  CHECK(limit_of("Hikvision DS-2CD2043") == 4);
  CHECK(limit_of("Dahua IPC-HFW2431") == 4);
  CHECK(limit_of("AXIS P3245") == 8);
  CHECK(limit_of("Reolink RLC-510A") == 1);
  SECTION("an explicit limit wins") {
    auto text = fleet(minimal_camera + R"(, "model": "Axis P3245", "session_limit": 3)");
    CHECK(parse_scenario(text).cameras[0].session_limit == 3);
  }
}

TEST_CASE("unit: credentials default to Digest, and a timeline is sorted", "[camsim]") {
  auto text = fleet(minimal_camera + R"(, "credentials": {"username": "u", "password": "p"})",
                    R"(, "timeline": [
                          {"at_ms": 500, "camera": "c1", "behaviour": "blackhole"},
                          {"at_ms": 100, "camera": "*",
                           "behaviour": {"kind": "flapping", "period_ms": 50,
                                         "a": "healthy", "b": {"kind": "slow", "delay_ms": 9}}}])");
  auto result = parse_scenario(text);
  CHECK(result.cameras[0].auth == auth_mode::digest);
  REQUIRE(result.timeline.size() == 2);
  CHECK(result.timeline[0].at_ms == 100);
  CHECK(result.timeline[0].change.kind == behaviour_kind::flapping);
  CHECK(result.timeline[0].change.at(0).kind == behaviour_kind::healthy);
  CHECK(result.timeline[0].change.at(60).kind == behaviour_kind::slow);
  CHECK(result.timeline[0].change.at(60).delay_ms == 9);
  CHECK(result.timeline[1].change.kind == behaviour_kind::blackhole);
}

TEST_CASE("unit: scenario errors name the JSON path", "[camsim]") {
  const std::string cam = "$.subnets[0].cameras[0]";
  SECTION("JSON syntax") {
    CHECK(error_path("{\"subnets\": [") == "$");
  }
  SECTION("no subnets") {
    CHECK(error_path("{}") == "$.subnets");
    CHECK(error_path(R"({"subnets": []})") == "$.subnets");
  }
  SECTION("a subnet outside loopback") {
    CHECK(error_path(R"({"subnets": [{"name": "lan", "prefix": "192.168.1.0/24",
                                      "cameras": []}]})") == "$.subnets[0].prefix");
    CHECK(error_path(R"({"subnets": [{"name": "wide", "prefix": "127.0.0.0/7",
                                      "cameras": []}]})") == "$.subnets[0].prefix");
  }
  SECTION("a camera outside loopback") {
    CHECK(error_path(fleet(R"("id": "c1", "address": "10.0.0.5", "port": 554)")) ==
          cam + ".address");
  }
  SECTION("a camera outside its subnet") {
    CHECK(error_path(fleet(R"("id": "c1", "address": "127.1.126.5", "port": 554)")) ==
          cam + ".address");
  }
  SECTION("a port out of range") {
    CHECK(error_path(fleet(R"("id": "c1", "address": "127.1.125.5", "port": 70000)")) ==
          cam + ".port");
  }
  SECTION("a missing id") {
    CHECK(error_path(fleet(R"("address": "127.1.125.5", "port": 554)")) == cam + ".id");
  }
  SECTION("a misspelt field") {
    CHECK(error_path(fleet(minimal_camera + R"(, "sesion_limit": 2)")) == cam + ".sesion_limit");
  }
  SECTION("auth without credentials") {
    CHECK(error_path(fleet(minimal_camera + R"(, "auth": "basic")")) == cam + ".credentials");
  }
  SECTION("an unknown auth mode") {
    CHECK(error_path(fleet(minimal_camera + R"(, "auth": "ntlm")")) == cam + ".auth");
  }
  SECTION("odd frame sizes") {
    CHECK(error_path(fleet(minimal_camera + R"(, "stream": {"width": 641})")) ==
          cam + ".stream.width");
  }
  SECTION("a full status other than 453 or 406") {
    CHECK(error_path(fleet(minimal_camera + R"(, "full_status": 503)")) == cam + ".full_status");
  }
  SECTION("an unknown behaviour") {
    CHECK(error_path(fleet(minimal_camera + R"(, "behaviour": {"kind": "sulking"})")) ==
          cam + ".behaviour.kind");
  }
  SECTION("a behaviour missing its parameter") {
    CHECK(error_path(fleet(minimal_camera + R"(, "behaviour": {"kind": "slow"})")) ==
          cam + ".behaviour.delay_ms");
    CHECK(error_path(fleet(minimal_camera + R"(, "behaviour": "drop_after")")) ==
          cam + ".behaviour");
  }
  SECTION("flapping inside flapping") {
    CHECK(error_path(fleet(minimal_camera + R"(, "behaviour": {"kind": "flapping",
            "period_ms": 100, "a": "healthy",
            "b": {"kind": "flapping", "period_ms": 100, "a": "healthy", "b": "refuse"}})")) ==
          cam + ".behaviour.b.kind");
  }
  SECTION("duplicate ids and endpoints") {
    auto two = [](const std::string& second) {
      return R"({"subnets": [{"name": "y", "prefix": "127.1.125.0/24", "cameras": [
                 {"id": "c1", "address": "127.1.125.19", "port": 8554}, )" +
             second + "]}]}";
    };
    CHECK(error_path(two(R"({"id": "c1", "address": "127.1.125.20", "port": 8554})")) ==
          "$.subnets[0].cameras[1].id");
    CHECK(error_path(two(R"({"id": "c2", "address": "127.1.125.19", "port": 8554})")) ==
          "$.subnets[0].cameras[1].port");
  }
  SECTION("a timeline event for an unknown camera") {
    CHECK(error_path(fleet(minimal_camera, R"(, "timeline": [{"at_ms": 1, "camera": "c1",
            "behaviour": "reset"}, {"at_ms": 2, "camera": "c9", "behaviour": "reset"}])")) ==
          "$.timeline[1].camera");
  }
  SECTION("a negative offset") {
    CHECK(error_path(
              fleet(minimal_camera,
                    R"(, "timeline": [{"at_ms": -1, "camera": "c1", "behaviour": "reset"}])")) ==
          "$.timeline[0].at_ms");
  }
}

TEST_CASE("unit: a scenario error message says what is wrong", "[camsim]") {
  try {
    parse_scenario(fleet(R"("id": "c1", "address": "8.8.8.8", "port": 554)"));
    FAIL("accepted an address outside loopback");
  } catch (const json_error& e) {
    CHECK(std::string{e.what()}.find("$.subnets[0].cameras[0].address: ") == 0);
    CHECK(e.message().find("outside loopback") != std::string::npos);
  }
}

TEST_CASE("unit: the example scenario is valid", "[camsim]") {
  auto result = load_scenario(CAMFLEET_SOURCE_DIR "/tools/camsim/scenarios/two_subnets.json");
  CHECK(result.cameras.size() == 4);
  CHECK_FALSE(result.timeline.empty());
}
