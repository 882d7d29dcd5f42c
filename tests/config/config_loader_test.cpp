#include "config/config_loader.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

using namespace camfleet;
using namespace std::chrono_literals;

namespace {

env_lookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    if (auto it = vars.find(name); it != vars.end())
      return it->second;
    return std::nullopt;
  };
}

config_result parse(const std::string& text, std::map<std::string, std::string> vars = {}) {
  return parse_fleet_config(text, fake_env(std::move(vars)));
}

// The reason given for `path`, or "" if no problem names it.
std::string reason_at(const config_result& result, const std::string& path) {
  for (const auto& problem : result.problems)
    if (problem.path == path)
      return problem.reason;
  return "";
}

std::string all_problems(const config_result& result) {
  std::string text;
  for (const auto& problem : result.problems)
    text += to_string(problem) + "\n";
  return text;
}

// One subnet with the given camera objects.
std::string fleet_with(const std::string& cameras) {
  return R"({"subnets": [{"name": "site-a", "cameras": [)" + cameras + "]}]}";
}

} // namespace

TEST_CASE("config: a minimal file gets every default", "[config]") {
  auto result = parse(fleet_with(R"({"id": "door", "host": "127.1.125.19"})"));
  INFO(all_problems(result));
  REQUIRE(result.config);
  const auto& fleet = *result.config;
  CHECK(fleet.snapshot_dir == "snapshots");
  CHECK(fleet.log.level == "info");
  REQUIRE(fleet.subnets.size() == 1);
  const auto& subnet = fleet.subnets[0];
  CHECK(subnet.patrol_interval == 15s);
  CHECK(subnet.parallel_captures == 4);
  REQUIRE(subnet.cameras.size() == 1);
  const auto& camera = subnet.cameras[0];
  CHECK(camera.endpoint.port == 554);
  CHECK(camera.endpoint.path == "/stream1");
  CHECK(camera.endpoint.password.empty());
  CHECK(camera.password_source == "none");
  CHECK(camera.budget.teardown == 1s);
}

TEST_CASE("config: defaults layer fleet, subnet, camera", "[config]") {
  auto result = parse(R"({
    "snapshot_dir": "/tmp/snaps",
    "log": {"level": "debug", "format": "json"},
    "defaults": {
      "subnet": {"patrol_interval_ms": 2000, "parallel_captures": 2},
      "camera": {"port": 8554, "username": "camfleet", "capture_budget_ms": 9000}
    },
    "subnets": [{
      "name": "site-a",
      "patrol_deadline_ms": 20000,
      "camera_defaults": {"path": "/stream2", "capture_budget_ms": 8000},
      "cameras": [
        {"id": "door", "host": "127.1.125.19"},
        {"id": "yard", "host": "::1", "capture_budget_ms": 7000, "model": "tapo-c210"}
      ]
    }]
  })");
  INFO(all_problems(result));
  REQUIRE(result.config);
  const auto& subnet = result.config->subnets[0];
  CHECK(result.config->log.format == log_format::json);
  CHECK(subnet.patrol_interval == 2s);
  CHECK(subnet.parallel_captures == 2);
  CHECK(subnet.patrol_deadline == 20s);
  CHECK(subnet.cameras[0].endpoint.port == 8554);
  CHECK(subnet.cameras[0].endpoint.path == "/stream2");
  CHECK(subnet.cameras[0].endpoint.username == "camfleet");
  CHECK(subnet.cameras[0].budget.capture == 8s);
  CHECK(subnet.cameras[1].budget.capture == 7s);
  CHECK(subnet.cameras[1].endpoint.host == "::1");
  CHECK(subnet.cameras[1].model == "tapo-c210");
}

TEST_CASE("config: every problem is reported with its path", "[config]") {
  SECTION("unknown key, with a suggestion") {
    auto result = parse(fleet_with(R"({"id": "door", "host": "127.0.0.2", "prot": 554})"));
    CHECK(reason_at(result, "subnets[0].cameras[0].prot") ==
          R"(unknown key (did you mean "port"?))");
  }
  SECTION("unknown key at the top") {
    auto result = parse(R"({"subnets": [], "snapshots": "x"})");
    CHECK(reason_at(result, "snapshots").find("unknown key") == 0);
  }
  SECTION("wrong type") {
    auto result = parse(fleet_with(R"({"id": "door", "host": "127.0.0.2", "port": "554"})"));
    CHECK(reason_at(result, "subnets[0].cameras[0].port") ==
          "expected a whole number, found a string");
  }
  SECTION("out of range") {
    auto result = parse(fleet_with(R"({"id": "door", "host": "127.0.0.2", "port": 70000})"));
    CHECK(reason_at(result, "subnets[0].cameras[0].port") ==
          "must be between 1 and 65535, found 70000");
  }
  SECTION("seconds given where milliseconds are expected") {
    auto result = parse(fleet_with(R"({"id": "a", "host": "127.0.0.2", "connect_budget_ms": 5})"));
    CHECK(
        reason_at(result, "subnets[0].cameras[0].connect_budget_ms").find("must be between 100") ==
        0);
  }
  SECTION("missing required fields") {
    auto result = parse(fleet_with(R"({"port": 8554})"));
    CHECK(reason_at(result, "subnets[0].cameras[0].id") == "is required");
    CHECK(reason_at(result, "subnets[0].cameras[0].host") == "is required");
    auto no_subnets = parse("{}");
    CHECK(reason_at(no_subnets, "subnets").find("is required") == 0);
  }
  SECTION("duplicate camera id, across subnets") {
    auto result = parse(R"({"subnets": [
      {"name": "a", "cameras": [{"id": "door", "host": "127.0.0.2"}]},
      {"name": "b", "cameras": [{"id": "door", "host": "127.0.0.3"}]}]})");
    CHECK(reason_at(result, "subnets[1].cameras[0].id") ==
          R"(duplicate camera id "door", first used at subnets[0].cameras[0])");
  }
  SECTION("duplicate subnet name") {
    auto result =
        parse(R"({"subnets": [{"name": "a", "cameras": []}, {"name": "a", "cameras": []}]})");
    CHECK(reason_at(result, "subnets[1].name").find("duplicate subnet name") == 0);
  }
  SECTION("one camera configured twice would get two sessions") {
    auto result = parse(fleet_with(R"({"id": "a", "host": "127.0.0.2"},
                                       {"id": "b", "host": "127.0.0.2", "port": 554})"));
    CHECK(reason_at(result, "subnets[0].cameras[1].host").find("already configured") !=
          std::string::npos);
  }
  SECTION("a host name is refused") {
    auto result = parse(fleet_with(R"({"id": "a", "host": "camera.local"})"));
    CHECK(reason_at(result, "subnets[0].cameras[0].host").find("never resolves host names") !=
          std::string::npos);
  }
  SECTION("addresses outside a sane range") {
    auto result = parse(fleet_with(R"({"id": "a", "host": "0.0.0.0"},
                                       {"id": "b", "host": "239.1.1.1"},
                                       {"id": "c", "host": "255.255.255.255"},
                                       {"id": "d", "host": "::"},
                                       {"id": "e", "host": "[::1]"})"));
    for (int i = 0; i < 5; ++i)
      CHECK_FALSE(reason_at(result, "subnets[0].cameras[" + std::to_string(i) + "].host").empty());
  }
  SECTION("a name that is not safe as a directory") {
    auto result = parse(fleet_with(R"({"id": "../etc", "host": "127.0.0.2"})"));
    CHECK(reason_at(result, "subnets[0].cameras[0].id").find("must be 1 to 64") == 0);
  }
  SECTION("a stream path without its slash") {
    auto result = parse(fleet_with(R"({"id": "a", "host": "127.0.0.2", "path": "stream1"})"));
    CHECK(reason_at(result, "subnets[0].cameras[0].path").find("must start with '/'") == 0);
  }
  SECTION("a capture budget shorter than the connect budget") {
    auto result = parse(fleet_with(R"({"id": "a", "host": "127.0.0.2",
                                       "connect_budget_ms": 5000, "capture_budget_ms": 1000})"));
    CHECK(reason_at(result, "subnets[0].cameras[0].capture_budget_ms").find("must be at least") ==
          0);
  }
  SECTION("a bad log level") {
    auto result = parse(R"({"log": {"level": "loud"}, "subnets": [{"name": "a", "cameras": []}]})");
    CHECK(reason_at(result, "log.level").find("must be one of") == 0);
  }
  SECTION("a bad default is reported at the default's path") {
    auto result = parse(R"({"defaults": {"camera": {"teardown_budget_ms": -1}},
                            "subnets": [{"name": "a", "cameras": []}]})");
    CHECK(reason_at(result, "defaults.camera.teardown_budget_ms").find("must be between") == 0);
  }
  SECTION("every problem at once") {
    auto result = parse(R"({"subnets": [{"name": "a", "cameras": [
      {"id": "x", "host": "nope", "port": 0},
      {"host": "127.0.0.2", "colour": "red"}]}]})");
    CHECK(result.problems.size() == 4);
    CHECK_FALSE(result.config);
  }
}

TEST_CASE("config: syntax errors give line and column", "[config]") {
  auto result = parse("{\n  \"subnets\": [\n    {\"name\": \"a\",, }\n  ]\n}");
  REQUIRE(result.problems.size() == 1);
  CHECK(result.problems[0].path == "line 3, column 18");
  CHECK(result.problems[0].reason.find("invalid JSON") == 0);

  auto not_object = parse("[1, 2]");
  REQUIRE(not_object.problems.size() == 1);
  CHECK(not_object.problems[0].reason.find("must be a JSON object") != std::string::npos);

  auto trailing = parse(R"({"subnets": []} {})");
  REQUIRE(trailing.problems.size() == 1);
  CHECK(trailing.problems[0].reason.find("invalid JSON") == 0);
}

TEST_CASE("config: passwords from the file, the environment or a file", "[config]") {
  SECTION("inline") {
    auto result = parse(fleet_with(R"({"id": "a", "host": "127.0.0.2", "password": "p@ss:w"})"));
    REQUIRE(result.config);
    CHECK(result.config->subnets[0].cameras[0].endpoint.password == "p@ss:w");
    CHECK(result.config->subnets[0].cameras[0].password_source == "inline");
  }
  SECTION("from the environment") {
    auto result = parse(fleet_with(R"({"id": "a", "host": "127.0.0.2", "password_env": "CAM_PW"})"),
                        {{"CAM_PW", "s3cret"}});
    REQUIRE(result.config);
    CHECK(result.config->subnets[0].cameras[0].endpoint.password == "s3cret");
    CHECK(result.config->subnets[0].cameras[0].password_source == "env:CAM_PW");
  }
  SECTION("an unset environment variable") {
    auto result = parse(fleet_with(R"({"id": "a", "host": "127.0.0.2", "password_env": "NOPE"})"));
    CHECK(reason_at(result, "subnets[0].cameras[0].password_env") ==
          "environment variable NOPE is not set");
  }
  SECTION("two sources at once") {
    auto result = parse(fleet_with(R"({"id": "a", "host": "127.0.0.2", "password": "x",
                                       "password_env": "CAM_PW"})"),
                        {{"CAM_PW", "y"}});
    CHECK(reason_at(result, "subnets[0].cameras[0]").find("give at most one") == 0);
  }
  SECTION("a file readable only by its owner") {
    char name[] = "/tmp/camfleet-pw-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, "from-file\n", 10) == 10);
    close(fd);
    ::chmod(name, 0600);
    auto ok = parse(fleet_with(
        std::string{R"({"id": "a", "host": "127.0.0.2", "password_file": ")"} + name + "\"}"));
    REQUIRE(ok.config);
    CHECK(ok.config->subnets[0].cameras[0].endpoint.password == "from-file");

    auto with_file = fleet_with(
        std::string{R"({"id": "a", "host": "127.0.0.2", "password_file": ")"} + name + "\"}");
    for (auto mode : {0644, 0640, 0604, 0660, 0700, 0610}) {
      INFO("mode " << std::oct << mode);
      ::chmod(name, static_cast<mode_t>(mode));
      auto open = parse(with_file);
      auto reason = reason_at(open, "subnets[0].cameras[0].password_file");
      if (mode == 0700) {
        // Owner-only, even if executable: accepted.
        CHECK(open.config);
      } else {
        CHECK(reason == "\"" + std::string{name} +
                            "\" is accessible by group or others; restrict it with chmod 600");
        CHECK(reason.find("from-file") == std::string::npos);
      }
    }

    if (::geteuid() == 0) {
      // Root reads any file, so only the owner says whose it is.
      ::chmod(name, 0600);
      REQUIRE(::chown(name, 65534, 65534) == 0);
      auto foreign = parse(with_file);
      CHECK(reason_at(foreign, "subnets[0].cameras[0].password_file") ==
            "\"" + std::string{name} +
                "\" belongs to uid 65534, not to the user camfleetd runs as (uid 0); chown it");
    }
    std::remove(name);
  }
}

TEST_CASE("config: a file that cannot be opened", "[config]") {
  auto result = load_fleet_config("/nonexistent/camfleet.json", fake_env({}));
  REQUIRE(result.problems.size() == 1);
  CHECK(result.problems[0].reason.find("/nonexistent/camfleet.json") != std::string::npos);
}

TEST_CASE("config: files that could block or never end are refused at once", "[config]") {
  char dir_pattern[] = "/tmp/camfleet-cfg-XXXXXX";
  REQUIRE(mkdtemp(dir_pattern) != nullptr);
  std::string dir = dir_pattern;
  auto fifo = dir + "/fleet.fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);

  SECTION("a FIFO as the configuration: no writer, yet no wait") {
    auto started = std::chrono::steady_clock::now();
    auto result = load_fleet_config(fifo, fake_env({}));
    CHECK(std::chrono::steady_clock::now() - started < 2s);
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].reason ==
          "cannot read configuration file \"" + fifo +
              "\" is not a regular file (a FIFO, device or directory could block or never end)");
  }
  SECTION("a device, a directory") {
    CHECK(load_fleet_config("/dev/zero", fake_env({}))
              .problems.at(0)
              .reason.find("is not a regular file") != std::string::npos);
    CHECK(
        load_fleet_config(dir, fake_env({})).problems.at(0).reason.find("is not a regular file") !=
        std::string::npos);
  }
  SECTION("a configuration past 4 MiB") {
    auto big = dir + "/big.json";
    {
      std::ofstream out{big};
      out << fleet_with("") << std::string(4 * 1024 * 1024, ' ');
    }
    auto result = load_fleet_config(big, fake_env({}));
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].reason.find("is larger than 4194304 bytes") != std::string::npos);
    std::remove(big.c_str());
  }
  SECTION("a FIFO as a password file") {
    auto result = parse(fleet_with(std::string{R"({"id": "a", "host": "127.0.0.2", )"} +
                                   R"("password_file": ")" + fifo + R"("})"));
    CHECK(reason_at(result, "subnets[0].cameras[0].password_file").find("is not a regular file") !=
          std::string::npos);
  }
  std::remove(fifo.c_str());
  ::rmdir(dir.c_str());
}
