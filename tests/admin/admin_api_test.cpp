// The admin API against a running camfleetd (the real binary) and camsim:
// every endpoint, the acts, reload, and every error path.

#include "tests/admin/admin_fixture.hpp"

#include <regex>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

using namespace camfleet::admin_test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// alpha: a healthy camera and one that accepts TCP and never answers;
// beta: a healthy camera with Digest credentials.
const char* scenario = R"({"subnets": [
  {"name": "alpha", "prefix": "127.88.10.0/24", "cameras": [
    {"id": "a-ok", "address": "127.88.10.10", "port": 8554,
      "model": "Tapo C110", "session_limit": 8,
     "behaviour": "healthy"},
    {"id": "a-hole", "address": "127.88.10.11", "port": 8554,
      "model": "Tapo C110", "session_limit": 8,
     "behaviour": "blackhole"}]},
  {"name": "beta", "prefix": "127.88.11.0/24", "cameras": [
    {"id": "b-ok", "address": "127.88.11.10", "port": 8554,
      "model": "Tapo C110", "session_limit": 8,
     "credentials": {"username": "camsim", "password": "camsim-secret-pw"},
     "behaviour": "healthy"}]}]})";

// Patrols only at start and when asked (interval of an hour), so that every
// number the tests compare is stable between two requests.
std::string fleet_config(const std::string& dir, const std::string& extra_beta_camera = "",
                         int a_ok_capture_ms = 8000) {
  return R"({"snapshot_dir": ")" + dir + R"(/snapshots", "patrol_log": ")" + dir +
         R"(/patrols.jsonl",
  "admin": {"listen": "127.0.0.1:0"},
  "defaults": {"subnet": {"patrol_interval_ms": 3600000, "patrol_deadline_ms": 30000},
               "camera": {"connect_budget_ms": 5000, "capture_budget_ms": 8000,
                          "teardown_budget_ms": 1000, "backoff_initial_ms": 600000,
                          "backoff_max_ms": 600000}},
  "subnets": [
    {"name": "alpha", "cameras": [
      {"id": "a-ok", "host": "127.88.10.10", "port": 8554, "capture_budget_ms": )" +
         std::to_string(a_ok_capture_ms) + R"(},
      {"id": "a-hole", "host": "127.88.10.11", "port": 8554}]},
    {"name": "beta", "cameras": [
      {"id": "b-ok", "host": "127.88.11.10", "port": 8554, "username": "camsim",
       "password": "camsim-secret-pw"})" +
         extra_beta_camera + R"(]}]})";
}

bool patrol_finished(const daemon_fixture& daemon, const std::string& subnet,
                     std::int64_t patrol_id) {
  auto view = daemon.get("/v1/subnets/" + subnet);
  return field(view, "patrol").is_null() && field(view, "last_patrol").is_object() &&
         number(view, "last_patrol.id") >= patrol_id;
}

void expect_error(const camfleet::ctl::http_result& result, unsigned status,
                  const std::string& code) {
  INFO("answer: " << result.status << " " << result.body);
  CHECK(result.status == status);
  CHECK(result.content_type == "application/json");
  auto body = json::parse(result.body);
  CHECK(text(body, "error.code") == code);
  CHECK(!text(body, "error.message").empty());
}

const std::regex iso_with_offset{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d)"};

} // namespace

TEST_CASE("admin api: reads, acts, reload and errors against a running daemon",
          "[admin][integration]") {
  temp_dir dir;
  camsim_fixture cameras{dir, scenario};
  daemon_fixture daemon{dir, fleet_config(dir.path())};
  REQUIRE(eventually([&] { return patrol_finished(daemon, "alpha", 1); }, 30s));
  REQUIRE(eventually([&] { return patrol_finished(daemon, "beta", 1); }, 30s));

  // -- reads -------------------------------------------------------------------
  auto fleet = daemon.get("/v1/fleet");
  CHECK(number(fleet, "cameras") == 3);
  CHECK(number(fleet, "cameras_by_state.idle") == 2);
  CHECK(number(fleet, "cameras_by_state.backoff") == 1);
  CHECK(number(fleet, "cameras_by_state.connecting") == 0);
  CHECK(number(fleet, "cameras_by_state.capturing") == 0);
  CHECK(number(fleet, "open_sessions") == 0);
  CHECK(number(fleet, "patrols_running") == 0);
  CHECK(number(fleet, "subnets") == 2);
  CHECK(number(fleet, "stuck_cameras") == 0);
  CHECK(number(fleet, "forced_releases") == 0);

  auto subnets = daemon.get("/v1/subnets");
  REQUIRE(field(subnets, "subnets").as_array().size() == 2);
  const auto& alpha = find_by(subnets, "subnets", "name", "alpha");
  CHECK(number(alpha, "cameras") == 2);
  CHECK(number(alpha, "last_patrol.captured") == 1);
  CHECK(number(alpha, "last_patrol.cameras") == 2);
  CHECK(std::regex_match(text(alpha, "last_patrol.ended_at"), iso_with_offset));

  auto alpha_cameras = daemon.get("/v1/cameras?subnet=alpha");
  CHECK(field(alpha_cameras, "cameras").as_array().size() == 2);
  auto backing_off = daemon.get("/v1/cameras?state=backoff");
  REQUIRE(field(backing_off, "cameras").as_array().size() == 1);
  CHECK(text(field(backing_off, "cameras").as_array()[0], "id") == "a-hole");
  CHECK(field(daemon.get("/v1/cameras?stuck=true"), "cameras").as_array().empty());
  CHECK(field(daemon.get("/v1/cameras?subnet=beta&state=idle&stuck=false"), "cameras")
            .as_array()
            .size() == 1);

  auto ok = daemon.get("/v1/cameras/a-ok");
  CHECK(text(ok, "state") == "idle");
  CHECK(text(ok, "subnet") == "alpha");
  CHECK(number(ok, "actor_id") > 0);
  CHECK(number(ok, "attempts") == 1);
  CHECK(number(ok, "successes") == 1);
  CHECK(number(ok, "consecutive_failures") == 0);
  CHECK(field(ok, "holds.session") == json::value(false));
  CHECK(field(ok, "capture.phase").is_null());
  CHECK(std::regex_match(text(ok, "last_success"), iso_with_offset));
  const auto& transitions = field(ok, "transitions").as_array();
  REQUIRE(transitions.size() == 3);
  CHECK(text(transitions[0], "from") == "idle");
  CHECK(text(transitions[0], "to") == "connecting");
  CHECK(text(transitions[0], "reason") == "patrol 1");
  CHECK(text(transitions[2], "to") == "idle");
  for (const auto& transition : transitions)
    CHECK(std::regex_match(text(transition, "at"), iso_with_offset));

  auto hole = daemon.get("/v1/cameras/a-hole");
  CHECK(text(hole, "state") == "backoff");
  CHECK(text(hole, "last_error.kind") == "connect_timeout");
  CHECK(number(hole, "consecutive_failures") == 1);
  CHECK(std::regex_match(text(hole, "backoff_until"), iso_with_offset));
  CHECK(number(hole, "backoff_left_ms") > 0);

  auto snapshot = daemon.call("GET", "/v1/cameras/a-ok/snapshot");
  CHECK(snapshot.status == 200);
  CHECK(snapshot.content_type == "image/jpeg");
  REQUIRE(snapshot.body.size() > 2);
  CHECK(static_cast<unsigned char>(snapshot.body[0]) == 0xFF);
  CHECK(static_cast<unsigned char>(snapshot.body[1]) == 0xD8);
  expect_error(daemon.call("GET", "/v1/cameras/a-hole/snapshot"), 404, "not_found");

  auto patrols = daemon.get("/v1/subnets/alpha/patrols");
  REQUIRE(field(patrols, "patrols").as_array().size() == 1);
  const auto& report = field(patrols, "patrols").as_array()[0];
  CHECK(number(report, "patrol_id") == 1);
  CHECK(text(find_by(report, "cameras", "camera", "a-ok"), "outcome") == "captured");
  CHECK(text(find_by(report, "cameras", "camera", "a-hole"), "failure") == "connect_timeout");

  // -- acts --------------------------------------------------------------------
  auto reset = json::parse(daemon.call("POST", "/v1/cameras/a-hole/reset").body);
  CHECK(field(reset, "changed") == json::value(true));
  auto after_reset = daemon.get("/v1/cameras/a-hole");
  CHECK(text(after_reset, "state") == "idle");
  CHECK(number(after_reset, "consecutive_failures") == 0);
  CHECK(field(json::parse(daemon.call("POST", "/v1/cameras/a-ok/reset").body), "changed") ==
        json::value(false));

  // Pause a-ok, patrol alpha now: a-ok is skipped, a-hole (reset) tried
  // again; kick a-hole while it hangs in connecting.
  CHECK(field(json::parse(daemon.call("POST", "/v1/cameras/a-ok/pause").body), "changed") ==
        json::value(true));
  CHECK(field(daemon.get("/v1/cameras/a-ok"), "paused") == json::value(true));
  auto started = daemon.call("POST", "/v1/subnets/alpha/patrol", "{}");
  REQUIRE(started.status == 200);
  CHECK(number(json::parse(started.body), "patrol_id") == 2);
  REQUIRE(eventually(
      [&] { return text(daemon.get("/v1/cameras/a-hole"), "state") == "connecting"; }, 10s));
  auto running = daemon.get("/v1/subnets/alpha");
  CHECK(number(running, "patrol.id") == 2);
  CHECK(number(running, "patrol.cameras") == 2);
  CHECK(number(running, "open_sessions") == 1);
  CHECK(number(daemon.get("/v1/fleet"), "open_sessions") == 1);
  CHECK(number(daemon.get("/v1/fleet"), "patrols_running") == 1);
  auto connecting = daemon.get("/v1/cameras/a-hole");
  CHECK(field(connecting, "holds.session") == json::value(true));
  CHECK(number(connecting, "holds.worker_actor_id") > 0);
  CHECK(text(connecting, "capture.phase") == "connecting");
  CHECK(number(connecting, "capture.budget_ms") <= 8000);
  CHECK(number(connecting, "capture.deadline_left_ms") <= 8000);
  expect_error(daemon.call("POST", "/v1/subnets/alpha/patrol"), 409, "conflict");
  auto kicked = json::parse(daemon.call("POST", "/v1/cameras/a-hole/kick").body);
  CHECK(field(kicked, "changed") == json::value(true));
  REQUIRE(eventually([&] { return patrol_finished(daemon, "alpha", 2); }, 20s));
  CHECK(text(daemon.get("/v1/cameras/a-hole"), "last_error.kind") == "cancelled");
  auto second = field(daemon.get("/v1/subnets/alpha/patrols?limit=1"), "patrols").as_array();
  REQUIRE(second.size() == 1);
  CHECK(number(second[0], "patrol_id") == 2);
  CHECK(text(find_by(second[0], "cameras", "camera", "a-ok"), "outcome") == "paused");
  CHECK(text(find_by(second[0], "cameras", "camera", "a-hole"), "failure") == "cancelled");
  CHECK(field(json::parse(daemon.call("POST", "/v1/cameras/a-hole/kick").body), "changed") ==
        json::value(false));
  CHECK(field(json::parse(daemon.call("POST", "/v1/cameras/a-ok/resume").body), "changed") ==
        json::value(true));

  CHECK(field(json::parse(daemon.call("POST", "/v1/subnets/beta/pause").body), "changed") ==
        json::value(true));
  CHECK(field(daemon.get("/v1/subnets/beta"), "paused") == json::value(true));
  expect_error(daemon.call("POST", "/v1/subnets/beta/patrol"), 409, "conflict");
  CHECK(field(json::parse(daemon.call("POST", "/v1/subnets/beta/resume").body), "changed") ==
        json::value(true));

  // -- metrics agree with the API ---------------------------------------------
  auto metrics = daemon.call("GET", "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.content_type.rfind("text/plain", 0) == 0);
  auto now_fleet = daemon.get("/v1/fleet");
  for (const char* state : {"idle", "connecting", "capturing", "backoff"})
    CHECK(metrics.body.find(
              std::string{"camfleet_cameras{state=\""} + state + "\"} " +
              std::to_string(number(now_fleet, std::string{"cameras_by_state."} + state)) + "\n") !=
          std::string::npos);
  CHECK(metrics.body.find("camfleet_open_sessions " +
                          std::to_string(number(now_fleet, "open_sessions")) + "\n") !=
        std::string::npos);
  // Captured: a-ok and b-ok in patrol 1; failed: a-hole twice.
  CHECK(metrics.body.find("camfleet_captures_total{outcome=\"captured\",failure_kind=\"\"} 2\n") !=
        std::string::npos);
  CHECK(metrics.body.find(
            "camfleet_captures_total{outcome=\"failed\",failure_kind=\"connect_timeout\"} 1\n") !=
        std::string::npos);
  CHECK(metrics.body.find(
            "camfleet_captures_total{outcome=\"failed\",failure_kind=\"cancelled\"} 1\n") !=
        std::string::npos);
  CHECK(metrics.body.find("camfleet_captures_total{outcome=\"paused\",failure_kind=\"\"} 1\n") !=
        std::string::npos);
  CHECK(metrics.body.find("camfleet_patrol_duration_seconds_count 3\n") != std::string::npos);
  CHECK(metrics.body.find("camfleet_capture_duration_seconds_count 4\n") != std::string::npos);
  CHECK(metrics.body.find("camfleet_forced_releases_total 0\n") != std::string::npos);

  // -- errors ------------------------------------------------------------------
  expect_error(daemon.call("GET", "/v1/nothing"), 404, "no_route");
  // "/" is the fleet page now (tests/web/); a path that is no page nor API is an error.
  expect_error(daemon.call("GET", "/nothing"), 404, "no_route");
  expect_error(daemon.call("GET", "/v1/cameras/nope"), 404, "not_found");
  expect_error(daemon.call("GET", "/v1/subnets/nope"), 404, "not_found");
  expect_error(daemon.call("GET", "/v1/subnets/nope/patrols"), 404, "not_found");
  expect_error(daemon.call("POST", "/v1/cameras/nope/kick"), 404, "not_found");
  expect_error(daemon.call("POST", "/v1/subnets/nope/patrol"), 404, "not_found");
  expect_error(daemon.call("GET", "/v1/cameras?subnet=nope"), 404, "not_found");
  expect_error(daemon.call("GET", "/v1/cameras/..%2F..%2Fetc"), 400, "bad_request");
  expect_error(daemon.call("GET", "/v1/cameras?state=sleeping"), 400, "bad_request");
  expect_error(daemon.call("GET", "/v1/cameras?stuck=maybe"), 400, "bad_request");
  expect_error(daemon.call("GET", "/v1/cameras?colour=red"), 400, "bad_request");
  expect_error(daemon.call("GET", "/v1/cameras?state=idle&state=idle"), 400, "bad_request");
  expect_error(daemon.call("GET", "/v1/cameras?subnet=%zz"), 400, "bad_request");
  expect_error(daemon.call("GET", "/v1/fleet?verbose=1"), 400, "bad_request");
  expect_error(daemon.call("GET", "/v1/subnets/alpha/patrols?limit=0"), 400, "bad_request");
  expect_error(daemon.call("GET", "/v1/subnets/alpha/patrols?limit=21"), 400, "bad_request");
  expect_error(daemon.call("POST", "/v1/cameras/a-ok/kick", "{not json"), 400, "bad_request");
  expect_error(daemon.call("POST", "/v1/cameras/a-ok/kick", R"({"now": true})"), 400,
               "bad_request");
  expect_error(daemon.call("POST", "/v1/cameras/a-ok/explode"), 404, "no_route");
  auto wrong_method = daemon.call("POST", "/v1/fleet");
  expect_error(wrong_method, 405, "method_not_allowed");
  expect_error(daemon.call("GET", "/v1/reload"), 405, "method_not_allowed");
  expect_error(daemon.call("GET", "/v1/cameras/a-ok/kick"), 405, "method_not_allowed");
  expect_error(daemon.call("DELETE", "/metrics"), 405, "method_not_allowed");
  expect_error(daemon.call("GET", "/v1/cameras/" + std::string(3000, 'a')), 414, "uri_too_long");
  expect_error(daemon.call("POST", "/v1/reload", std::string(70 * 1024, ' ')), 413,
               "payload_too_large");

  auto garbage = raw_exchange(daemon.port(), "GARBAGE\r\n\r\n");
  CHECK(garbage.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(garbage.find("\"code\":\"bad_request\"") != std::string::npos);
  auto huge_header = raw_exchange(daemon.port(), "GET /v1/fleet HTTP/1.1\r\nHost: x\r\nX-Pad: " +
                                                     std::string(10000, 'p') + "\r\n\r\n");
  CHECK(huge_header.rfind("HTTP/1.1 431", 0) == 0);
  CHECK(huge_header.find("\"code\":\"headers_too_large\"") != std::string::npos);
  auto declared_huge = raw_exchange(
      daemon.port(), "POST /v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n");
  CHECK(declared_huge.rfind("HTTP/1.1 413", 0) == 0);
  // A target with bytes that are not UTF-8 (fuzz_admin found it): the 404
  // quotes the path, and its body must still be JSON that a parser accepts.
  auto not_utf8 = raw_exchange(daemon.port(), "GET /v1/sub\xC6nets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "Connection: close\r\n\r\n");
  CHECK(not_utf8.rfind("HTTP/1.1 404", 0) == 0);
  auto not_utf8_body = not_utf8.substr(std::min(not_utf8.size(), not_utf8.find("\r\n\r\n") + 4));
  boost::system::error_code not_utf8_error;
  auto not_utf8_json = json::parse(not_utf8_body, not_utf8_error);
  INFO("answer: " << not_utf8);
  REQUIRE(!not_utf8_error);
  CHECK(text(not_utf8_json, "error.code") == "no_route");
  CHECK(text(not_utf8_json, "error.message").find("/v1/sub\xEF\xBF\xBDnets") != std::string::npos);
  // The daemon still answers after all of that.
  CHECK(number(daemon.get("/v1/fleet"), "cameras") == 3);

  // -- no credential anywhere (b-ok has a password) ------------------------------
  std::string everything;
  for (const char* target : {"/v1/fleet", "/v1/subnets", "/v1/cameras", "/v1/cameras/b-ok",
                             "/v1/subnets/beta/patrols", "/metrics"})
    everything += daemon.call("GET", target).body;
  CHECK(text(daemon.get("/v1/cameras/b-ok"), "password_source") == "inline");

  // -- reload --------------------------------------------------------------------
  auto a_hole_actor = number(daemon.get("/v1/cameras/a-hole"), "actor_id");
  auto a_ok_actor = number(daemon.get("/v1/cameras/a-ok"), "actor_id");
  write_file(
      daemon.config_path(),
      fleet_config(dir.path(), R"(, {"id": "b-new", "host": "127.88.11.10", "port": 8555})", 9000));
  auto reloaded = daemon.call("POST", "/v1/reload");
  INFO(reloaded.body);
  REQUIRE(reloaded.status == 200);
  auto applied = json::parse(reloaded.body);
  CHECK(field(applied, "applied") == json::value(true));
  CHECK(json::serialize(field(applied, "added_cameras")) == R"(["b-new"])");
  CHECK(json::serialize(field(applied, "changed_cameras")) == R"(["a-ok"])");
  CHECK(field(applied, "removed_cameras").as_array().empty());
  REQUIRE(eventually([&] { return number(daemon.get("/v1/fleet"), "cameras") == 4; }, 10s));
  REQUIRE(eventually(
      [&] { return number(daemon.get("/v1/cameras/a-ok"), "actor_id") != a_ok_actor; }, 10s));
  CHECK(number(daemon.get("/v1/cameras/a-hole"), "actor_id") == a_hole_actor);
  CHECK(text(daemon.get("/v1/cameras/b-new"), "subnet") == "beta");

  // Removing a subnet ends its supervisor and its cameras; the others stay.
  auto alpha_only = fleet_config(dir.path(), "", 9000);
  auto beta_at = alpha_only.find(R"(,
    {"name": "beta")");
  REQUIRE(beta_at != std::string::npos);
  write_file(daemon.config_path(), alpha_only.substr(0, beta_at) + "]}");
  auto removed = daemon.call("POST", "/v1/reload");
  INFO(removed.body);
  REQUIRE(removed.status == 200);
  CHECK(json::serialize(field(json::parse(removed.body), "removed_subnets")) == R"(["beta"])");
  CHECK(json::serialize(field(json::parse(removed.body), "removed_cameras")) ==
        R"(["b-ok","b-new"])");
  REQUIRE(eventually([&] { return number(daemon.get("/v1/fleet"), "cameras") == 2; }, 10s));
  CHECK(number(daemon.get("/v1/fleet"), "subnets") == 1);
  expect_error(daemon.call("GET", "/v1/cameras/b-ok"), 404, "not_found");
  CHECK(number(daemon.get("/v1/cameras/a-hole"), "actor_id") == a_hole_actor);

  // An invalid file changes nothing and says why, path by path.
  write_file(daemon.config_path(),
             R"({"subnets": [{"name": "alpha", "cameras": [{"id": "x", "host": "not-an-ip"}]}],
                 "admin": {"listen": "127.0.0.1:0"}, "surprise": 1})");
  auto refused = daemon.call("POST", "/v1/reload");
  expect_error(refused, 422, "invalid_config");
  auto problems = field(json::parse(refused.body), "error.problems");
  REQUIRE(problems.is_array());
  std::string paths;
  for (const auto& problem : problems.as_array())
    paths += text(problem, "path") + ";";
  CHECK(paths.find("subnets[0].cameras[0].host;") != std::string::npos);
  CHECK(paths.find("surprise;") != std::string::npos);
  CHECK(number(daemon.get("/v1/fleet"), "cameras") == 2);
  CHECK(number(daemon.get("/v1/cameras/a-hole"), "actor_id") == a_hole_actor);

  // -- no credential in any answer or log line ---------------------------------
  CHECK(everything.find("camsim-secret-pw") == std::string::npos);
  CHECK(daemon.log().find("camsim-secret-pw") == std::string::npos);
}

TEST_CASE("admin api: off loopback the daemon needs a token and checks it",
          "[admin][integration]") {
  temp_dir dir;
  const std::string cameras = R"("subnets": [{"name": "alpha", "cameras": []}])";

  SECTION("127.0.0.2 without a token: the daemon refuses to start") {
    write_file(dir.file("open.json"), R"({"admin": {"listen": "127.0.0.2:0"}, )" + cameras + "}");
    auto result =
        run_command({CAMFLEET_BINARY_DIR "/fleet/camfleetd", "-c", dir.file("open.json")});
    CHECK(result.exit_code == 2);
    CHECK(result.err.find("admin.listen: listening on 127.0.0.2 needs a bearer token") !=
          std::string::npos);
  }

  SECTION("a token from the environment: requests without it or with a wrong one get 401") {
    const std::string token = "t0ken-for-the-admin-test";
    daemon_fixture daemon{dir,
                          R"({"snapshot_dir": ")" + dir.path() + R"(/s", "patrol_log": ")" +
                              dir.path() +
                              R"(/p.jsonl", "admin": {"listen": "127.0.0.2:0",
                                 "token_env": "CAMFLEET_ADMIN_TEST_TOKEN"}, )" +
                              cameras + "}",
                          {{"CAMFLEET_ADMIN_TEST_TOKEN", token}}};
    daemon.set_host("127.0.0.2");
    expect_error(daemon.call("GET", "/v1/fleet"), 401, "unauthorized");
    expect_error(daemon.call("GET", "/metrics"), 401, "unauthorized");
    expect_error(daemon.call("GET", "/v1/fleet", {}, "wrong-token"), 401, "unauthorized");
    expect_error(daemon.call("POST", "/v1/reload", {}, token + "x"), 401, "unauthorized");
    CHECK(number(daemon.get("/v1/fleet", token), "cameras") == 0);
    CHECK(daemon.call("GET", "/metrics", {}, token).status == 200);
    CHECK(daemon.log().find(token) == std::string::npos);
    CHECK(daemon.log().find("token required, from env:CAMFLEET_ADMIN_TEST_TOKEN") !=
          std::string::npos);
  }
}
