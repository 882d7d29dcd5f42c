// camfleetctl, the real binary, against a running daemon: its tables carry
// the daemon's numbers, --json carries its JSON, and its exit statuses tell
// unreachable, not found, bad request, conflict and unauthorized apart.

#include "tests/admin/admin_fixture.hpp"
#include "tests/support/loopback.hpp"

#include <regex>
#include <sstream>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace camfleet::admin_test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const char* scenario = R"({"subnets": [
  {"name": "alpha", "prefix": "127.88.20.0/24", "cameras": [
    {"id": "c-ok", "address": "127.88.20.10", "port": 8554,
      "model": "Tapo C110", "session_limit": 8},
    {"id": "c-hole", "address": "127.88.20.11", "port": 8554,
      "model": "Tapo C110", "session_limit": 8,
     "behaviour": "blackhole"}]},
  {"name": "beta", "prefix": "127.88.21.0/24", "cameras": [
    {"id": "c-beta", "address": "127.88.21.10", "port": 8554,
      "model": "Tapo C110", "session_limit": 8}]}]})";

std::string config(const std::string& dir) {
  return R"({"snapshot_dir": ")" + dir + R"(/snapshots", "patrol_log": ")" + dir +
         R"(/patrols.jsonl", "admin": {"listen": "127.0.0.1:0"},
  "defaults": {"subnet": {"patrol_interval_ms": 3600000, "patrol_deadline_ms": 30000},
               "camera": {"connect_budget_ms": 1000, "capture_budget_ms": 8000,
                          "backoff_initial_ms": 600000, "backoff_max_ms": 600000}},
  "subnets": [
    {"name": "alpha", "cameras": [{"id": "c-ok", "host": "127.88.20.10", "port": 8554},
                                  {"id": "c-hole", "host": "127.88.20.11", "port": 8554}]},
    {"name": "beta", "cameras": [{"id": "c-beta", "host": "127.88.21.10", "port": 8554}]}]})";
}

// The line of `table` whose first column is `key`, split on runs of spaces.
std::vector<std::string> row(const std::string& table, const std::string& key) {
  std::istringstream lines{table};
  std::string line;
  while (std::getline(lines, line)) {
    auto start = line.find_first_not_of(' ');
    if (start == std::string::npos || line.compare(start, key.size(), key) != 0 ||
        (line.size() > start + key.size() && line[start + key.size()] != ' '))
      continue;
    std::vector<std::string> cells;
    std::regex gap{"  +"};
    auto trimmed = line.substr(start);
    for (std::sregex_token_iterator it{trimmed.begin(), trimmed.end(), gap, -1}, end; it != end;
         ++it)
      cells.push_back(*it);
    return cells;
  }
  return {};
}

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

} // namespace

TEST_CASE("console: camfleetctl shows the daemon's numbers and exits meaningfully",
          "[admin][console][integration]") {
  temp_dir dir;
  camsim_fixture cameras{dir, scenario};
  daemon_fixture daemon{dir, config(dir.path())};
  REQUIRE(eventually(
      [&] {
        auto subnets = daemon.get("/v1/subnets");
        for (const auto& s : field(subnets, "subnets").as_array())
          if (!field(s, "patrol").is_null() || field(s, "last_patrol").is_null())
            return false;
        return true;
      },
      30s));

  SECTION("status matches /v1/fleet") {
    auto fleet = daemon.get("/v1/fleet");
    auto status = daemon.ctl({"status"});
    INFO(status.out << status.err);
    REQUIRE(status.exit_code == 0);
    CHECK(status.out.find("\x1b[") == std::string::npos);
    CHECK(row(status.out, "cameras").at(1) == std::to_string(number(fleet, "cameras")));
    for (const char* state : {"idle", "connecting", "capturing", "backoff", "down"})
      CHECK(row(status.out, state).at(1) ==
            std::to_string(number(fleet, std::string{"cameras_by_state."} + state)));
    CHECK(row(status.out, "open sessions").at(1) == std::to_string(number(fleet, "open_sessions")));
    CHECK(row(status.out, "stuck cameras").at(1) == std::to_string(number(fleet, "stuck_cameras")));
    CHECK(row(status.out, "patrols running").at(1) ==
          std::to_string(number(fleet, "patrols_running")) + " of 2 subnets");
    CHECK(row(status.out, "forced releases").at(1) == "0");

    auto as_json = daemon.ctl({"status", "--json"});
    REQUIRE(as_json.exit_code == 0);
    CHECK(json::parse(as_json.out) == fleet);
  }

  SECTION("cameras, inspect, subnets and patrols match the API") {
    auto listed = daemon.get("/v1/cameras");
    auto table = daemon.ctl({"cameras"});
    REQUIRE(table.exit_code == 0);
    CHECK(count_lines(table.out) == 1 + field(listed, "cameras").as_array().size());
    for (const auto& camera : field(listed, "cameras").as_array()) {
      auto cells = row(table.out, text(camera, "id"));
      REQUIRE(cells.size() == 9);
      CHECK(cells[1] == text(camera, "subnet"));
      CHECK(cells[2] == text(camera, "state"));
      CHECK(cells[5] == std::to_string(number(camera, "attempts")));
      CHECK(cells[6] == std::to_string(number(camera, "consecutive_failures")));
      CHECK(cells[7] == (field(camera, "holds.session").as_bool() ? "yes" : "no"));
      CHECK(cells[8] == (field(camera, "last_error.kind").is_null()
                             ? std::string{"-"}
                             : text(camera, "last_error.kind")));
    }
    auto filtered = daemon.ctl({"cameras", "--subnet", "alpha", "--state", "backoff"});
    REQUIRE(filtered.exit_code == 0);
    CHECK(count_lines(filtered.out) == 2);
    CHECK(row(filtered.out, "c-hole").size() == 9);
    CHECK(daemon.ctl({"cameras", "--stuck"}).out == "no camera matches\n");

    auto hole = daemon.get("/v1/cameras/c-hole");
    auto inspect = daemon.ctl({"inspect", "c-hole"});
    REQUIRE(inspect.exit_code == 0);
    CHECK(row(inspect.out, "actor id").at(1) == std::to_string(number(hole, "actor_id")));
    CHECK(row(inspect.out, "state").at(1) == "backoff");
    CHECK(row(inspect.out, "attempts").at(1) == std::to_string(number(hole, "attempts")));
    CHECK(row(inspect.out, "failures").at(1) == std::to_string(number(hole, "failures")));
    CHECK(row(inspect.out, "consecutive failures").at(1) ==
          std::to_string(number(hole, "consecutive_failures")));
    CHECK(row(inspect.out, "backoff until").at(1) == text(hole, "backoff_until"));
    CHECK(row(inspect.out, "last error").at(1) == "connect_timeout");
    CHECK(row(inspect.out, "holds session").at(1) == "no");
    auto transitions = field(hole, "transitions").as_array();
    CHECK(inspect.out.find("transitions (" + std::to_string(transitions.size()) +
                           ", oldest first)") != std::string::npos);
    for (const auto& transition : transitions) {
      auto cells = row(inspect.out, text(transition, "at"));
      REQUIRE(cells.size() == 4);
      CHECK(cells[1] == text(transition, "from"));
      CHECK(cells[2] == text(transition, "to"));
      CHECK(cells[3] == text(transition, "reason"));
    }
    CHECK(json::parse(daemon.ctl({"inspect", "c-hole", "--json"}).out).at("actor_id") ==
          hole.at("actor_id"));

    auto subnets = daemon.ctl({"subnets"});
    REQUIRE(subnets.exit_code == 0);
    auto alpha = daemon.get("/v1/subnets/alpha");
    auto cells = row(subnets.out, "alpha");
    REQUIRE(cells.size() == 8);
    CHECK(cells[1] == std::to_string(number(alpha, "cameras")));
    CHECK(cells[2] == std::to_string(number(alpha, "open_sessions")));
    CHECK(cells[3] == "-");
    CHECK(cells[6].rfind("#" + std::to_string(number(alpha, "last_patrol.id")) + " " +
                             std::to_string(number(alpha, "last_patrol.captured")) + "/" +
                             std::to_string(number(alpha, "last_patrol.cameras")) + " in ",
                         0) == 0);
    CHECK(cells[7] == "ok");

    auto patrols = daemon.ctl({"patrols", "alpha"});
    REQUIRE(patrols.exit_code == 0);
    auto patrol_cells = row(patrols.out, "1");
    REQUIRE(patrol_cells.size() == 6);
    CHECK(patrol_cells[3] == "1/2");
    CHECK(patrol_cells[5] == "c-hole (connect_timeout)");
  }

  SECTION("acts and snapshot") {
    auto snapshot = daemon.ctl({"snapshot", "c-ok", "-o", dir.file("c-ok.jpg")});
    REQUIRE(snapshot.exit_code == 0);
    auto bytes = read_file(dir.file("c-ok.jpg"));
    REQUIRE(bytes.size() > 2);
    CHECK(static_cast<unsigned char>(bytes[0]) == 0xFF);
    CHECK(snapshot.out == "wrote " + std::to_string(bytes.size()) + " bytes of JPEG to " +
                              dir.file("c-ok.jpg") + "\n");

    auto reset = daemon.ctl({"reset", "c-hole"});
    CHECK(reset.exit_code == 0);
    CHECK(reset.out.find("camera c-hole: backoff reset") == 0);
    CHECK(text(daemon.get("/v1/cameras/c-hole"), "state") == "idle");
    CHECK(daemon.ctl({"kick", "c-ok"}).out.find("(nothing changed)") != std::string::npos);

    CHECK(daemon.ctl({"pause", "--subnet", "beta"}).exit_code == 0);
    auto conflict = daemon.ctl({"patrol", "beta"});
    CHECK(conflict.exit_code == 6);
    CHECK(conflict.err.find("paused; resume it first") != std::string::npos);
    CHECK(daemon.ctl({"resume", "--subnet", "beta"}).exit_code == 0);
    auto patrol = daemon.ctl({"patrol", "beta", "--json"});
    CHECK(patrol.exit_code == 0);
    CHECK(json::parse(patrol.out).at("changed") == json::value(true));

    auto reload = daemon.ctl({"reload"});
    CHECK(reload.exit_code == 0);
    CHECK(reload.out == "configuration reloaded\n");
    write_file(daemon.config_path(), R"({"subnets": 3})");
    auto bad_reload = daemon.ctl({"reload"});
    CHECK(bad_reload.exit_code == 2);
    CHECK(bad_reload.err.find("  subnets: expected an array, found a number") != std::string::npos);
    CHECK(bad_reload.err.find("fix the configuration file") != std::string::npos);
  }

  SECTION("exit statuses and messages that say what to do") {
    auto missing = daemon.ctl({"inspect", "no-such-camera"});
    CHECK(missing.exit_code == 4);
    CHECK(missing.err.find("no camera \"no-such-camera\"") != std::string::npos);
    CHECK(missing.err.find("camfleetctl cameras") != std::string::npos);
    CHECK(daemon.ctl({"patrols", "no-such-subnet"}).exit_code == 4);
    CHECK(daemon.ctl({"cameras", "--state", "sleeping"}).exit_code == 2);
    CHECK(daemon.ctl({"patrols", "alpha", "--limit", "99"}).exit_code == 2);
    CHECK(daemon.ctl({"inspect", "bad/name"}).exit_code == 2);
    CHECK(run_command({camfleetctl_path()}).exit_code == 2);
    CHECK(run_command({camfleetctl_path(), "--url", "ftp://127.0.0.1:1", "status"}).exit_code == 2);

    auto port = camfleet::test::free_tcp_port("127.0.0.1");
    auto unreachable = run_command({camfleetctl_path(), "status"},
                                   {{"CAMFLEET_URL", "http://127.0.0.1:" + std::to_string(port)}});
    CHECK(unreachable.exit_code == 3);
    CHECK(unreachable.err.find("cannot reach camfleetd at http://127.0.0.1:" +
                               std::to_string(port)) != std::string::npos);
    CHECK(unreachable.err.find("CAMFLEET_URL") != std::string::npos);
  }
}

TEST_CASE("console: a token daemon answers 401 to camfleetctl without the token",
          "[admin][console][integration]") {
  temp_dir dir;
  const std::string token = "console-test-token";
  daemon_fixture daemon{dir, R"({"snapshot_dir": ")" + dir.path() + R"(/s", "patrol_log": ")" +
                                 dir.path() + R"(/p.jsonl", "admin": {"listen": "127.0.0.2:0",
                            "token": ")" +
                                 token + R"("}, "subnets": [{"name": "alpha", "cameras": []}]})"};
  daemon.set_host("127.0.0.2");
  auto denied = daemon.ctl({"status"});
  CHECK(denied.exit_code == 5);
  CHECK(denied.err.find("--token or CAMFLEET_TOKEN") != std::string::npos);
  CHECK(daemon.ctl({"status", "--token", "wrong"}).exit_code == 5);
  CHECK(daemon.ctl({"status", "--token", token}).exit_code == 0);
  CHECK(daemon.ctl({"status"}, {{"CAMFLEET_TOKEN", token}}).exit_code == 0);
}
