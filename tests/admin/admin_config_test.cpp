// The "admin" object and the stuck sweeper's settings in the configuration,
// and what a reload changes.

#include "config/admin_config_reader.hpp"
#include "config/config_diff.hpp"
#include "config/config_loader.hpp"

#include <map>

#include <catch2/catch.hpp>

using namespace camfleet;
using namespace std::chrono_literals;

namespace {

config_result parse(const std::string& extra, std::map<std::string, std::string> vars = {}) {
  auto env = [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    if (auto it = vars.find(name); it != vars.end())
      return it->second;
    return std::nullopt;
  };
  return parse_fleet_config(R"({"subnets": [{"name": "a", "cameras": []}])" +
                                std::string{extra.empty() ? "" : ", "} + extra + "}",
                            env);
}

std::string reason_at(const config_result& result, const std::string& path) {
  for (const auto& problem : result.problems)
    if (problem.path == path)
      return problem.reason;
  return "";
}

} // namespace

TEST_CASE("admin config: absent means no admin interface", "[admin][config]") {
  auto result = parse("");
  REQUIRE(result.config);
  CHECK(!result.config->admin);
  CHECK(!result.config->stuck.grace);
  CHECK(result.config->stuck.sweep_interval == 1000ms);
}

TEST_CASE("admin config: an empty object listens on 127.0.0.1:8080 without a token",
          "[admin][config]") {
  auto result = parse(R"("admin": {})");
  REQUIRE(result.config);
  REQUIRE(result.config->admin);
  CHECK(result.config->admin->address == "127.0.0.1");
  CHECK(result.config->admin->port == 8080);
  CHECK(result.config->admin->token.empty());
}

TEST_CASE("admin config: listen addresses", "[admin][config]") {
  SECTION("IPv6 loopback in brackets, port 0") {
    auto result = parse(R"("admin": {"listen": "[::1]:0"})");
    REQUIRE(result.config);
    CHECK(result.config->admin->address == "::1");
    CHECK(result.config->admin->port == 0);
  }
  SECTION("a host name is refused at admin.listen") {
    auto result = parse(R"("admin": {"listen": "localhost:8080"})");
    CHECK(!result.config);
    CHECK(reason_at(result, "admin.listen").find("not an IPv4 address") != std::string::npos);
  }
  SECTION("a port out of range is refused") {
    auto result = parse(R"("admin": {"listen": "127.0.0.1:70000"})");
    CHECK(reason_at(result, "admin.listen").find("0 to 65535") != std::string::npos);
  }
  SECTION("no port is refused") {
    CHECK(!reason_at(parse(R"("admin": {"listen": "127.0.0.1"})"), "admin.listen").empty());
  }
  SECTION("a number instead of a string is refused") {
    CHECK(reason_at(parse(R"("admin": {"listen": 8080})"), "admin.listen") ==
          "expected a string, found a number");
  }
}

TEST_CASE("admin config: off loopback a token is required", "[admin][config]") {
  SECTION("127.0.0.2 is not loopback in this sense") {
    auto result = parse(R"("admin": {"listen": "127.0.0.2:8080"})");
    CHECK(!result.config);
    CHECK(reason_at(result, "admin.listen").find("needs a bearer token") != std::string::npos);
  }
  SECTION("a token from the environment") {
    auto result =
        parse(R"("admin": {"listen": "127.0.0.2:8080", "token_env": "TOK"})", {{"TOK", "abc123"}});
    REQUIRE(result.config);
    CHECK(result.config->admin->token == "abc123");
    CHECK(result.config->admin->token_source == "env:TOK");
  }
  SECTION("an unset variable is named") {
    auto result = parse(R"("admin": {"listen": "127.0.0.2:8080", "token_env": "TOK"})");
    CHECK(reason_at(result, "admin.token_env") == "environment variable TOK is not set");
  }
  SECTION("a token with a space cannot be a header value") {
    auto result = parse(R"("admin": {"token": "two words"})");
    CHECK(reason_at(result, "admin.token").find("printable ASCII") != std::string::npos);
  }
  SECTION("token and token_env together") {
    auto result = parse(R"("admin": {"token": "a", "token_env": "TOK"})", {{"TOK", "b"}});
    CHECK(reason_at(result, "admin") == "give at most one of token and token_env");
  }
  SECTION("a typo is caught with its path") {
    auto result = parse(R"("admin": {"listn": "127.0.0.1:1"})");
    CHECK(!reason_at(result, "admin.listn").empty());
  }
}

TEST_CASE("admin config: stuck sweeper settings under supervision", "[admin][config]") {
  auto result = parse(R"("supervision": {"stuck_grace_ms": 0, "sweep_interval_ms": 250})");
  REQUIRE(result.config);
  CHECK(result.config->stuck.grace == 0ms);
  CHECK(result.config->stuck.sweep_interval == 250ms);
  CHECK(!reason_at(parse(R"("supervision": {"sweep_interval_ms": 10})"),
                   "supervision.sweep_interval_ms")
             .empty());
  CHECK(!reason_at(parse(R"("supervision": {"stuck_grace_ms": -1})"), "supervision.stuck_grace_ms")
             .empty());
}

TEST_CASE("config diff: added, removed and changed cameras and subnets", "[admin][config]") {
  auto before = parse_fleet_config(R"({"subnets": [
      {"name": "a", "cameras": [{"id": "keep", "host": "127.0.0.5"},
                                {"id": "change", "host": "127.0.0.6"},
                                {"id": "drop", "host": "127.0.0.7"}]},
      {"name": "gone", "cameras": [{"id": "g1", "host": "127.0.0.8"}]}]})",
                                   {});
  auto after = parse_fleet_config(R"({"snapshot_dir": "elsewhere", "subnets": [
      {"name": "a", "cameras": [{"id": "keep", "host": "127.0.0.5"},
                                {"id": "change", "host": "127.0.0.6", "password": "new"},
                                {"id": "add", "host": "127.0.0.9"}]},
      {"name": "new", "cameras": []}]})",
                                  {});
  REQUIRE(before.config);
  REQUIRE(after.config);
  auto diff = diff_fleet(*before.config, *after.config);
  CHECK(diff.added_cameras == std::vector<std::string>{"add"});
  CHECK(diff.changed_cameras == std::vector<std::string>{"change"});
  CHECK(diff.removed_cameras == std::vector<std::string>{"drop", "g1"});
  CHECK(diff.added_subnets == std::vector<std::string>{"new"});
  CHECK(diff.removed_subnets == std::vector<std::string>{"gone"});
  CHECK(diff.changed_subnets == std::vector<std::string>{"a"});
  CHECK(diff.not_applied == std::vector<std::string>{"snapshot_dir"});
  CHECK(diff_fleet(*before.config, *before.config).changed_subnets.empty());
}

TEST_CASE("config diff: a camera moved between subnets is refused by id and by address",
          "[admin][config]") {
  auto before = parse_fleet_config(R"({"subnets": [
      {"name": "a", "cameras": [{"id": "door", "host": "127.0.0.5"},
                                {"id": "yard", "host": "127.0.0.6"}]},
      {"name": "b", "cameras": []}]})",
                                   {});
  auto after = parse_fleet_config(R"({"subnets": [
      {"name": "a", "cameras": [{"id": "yard", "host": "127.0.0.6"}]},
      {"name": "b", "cameras": [{"id": "door", "host": "127.0.0.5"}]}]})",
                                  {});
  auto renamed = parse_fleet_config(R"({"subnets": [
      {"name": "a", "cameras": [{"id": "yard", "host": "127.0.0.6"}]},
      {"name": "b", "cameras": [{"id": "door-2", "host": "127.0.0.5"}]}]})",
                                    {});
  REQUIRE(before.config);
  REQUIRE(after.config);
  REQUIRE(renamed.config);

  auto moved = cameras_moved_between_subnets(*before.config, *after.config);
  REQUIRE(moved.size() == 1);
  CHECK(moved[0].path == "subnets[1].cameras[0]");
  CHECK(moved[0].reason.find("is in subnet \"a\" now") != std::string::npos);
  CHECK(cameras_moved_between_subnets(*before.config, *renamed.config).size() == 1);
  CHECK(cameras_moved_between_subnets(*before.config, *before.config).empty());
}
