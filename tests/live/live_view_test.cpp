// Live view end to end: viewers on camfleetd's MJPEG endpoint, cameras in
// camsim, with camsim's own counters as the witness of every session.

#include "tests/admin/admin_fixture.hpp"
#include "tests/live/mjpeg_client.hpp"
#include "tests/support/rtsp_test_server.hpp"

#include <memory>
#include <thread>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace camfleet::admin_test;
using namespace camfleet::live_test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// One camera allowing a single session, as a Tapo pan/tilt unit does, and a
// second, healthy one. 10 fps with a key frame every 10 frames.
std::string scenario(const std::string& prefix, int session_timeout_s = 60) {
  return R"({"subnets": [{"name": "s", "prefix": ")" + prefix + R"(.0/24", "cameras": [
    {"id": "tapo", "address": ")" +
         prefix + R"(.10", "port": 8554, "model": "Tapo C210", "session_limit": 1,
     "session_timeout_s": )" +
         std::to_string(session_timeout_s) + R"(,
     "stream": {"width": 320, "height": 240, "fps": 10, "key_frame_interval": 10},
     "behaviour": "healthy"},
    {"id": "other", "address": ")" +
         prefix + R"(.11", "port": 8554, "model": "Tapo C110",
     "stream": {"width": 320, "height": 240, "fps": 10, "key_frame_interval": 10},
     "behaviour": "healthy"}]}]})";
}

std::string config(const temp_dir& dir, const std::string& prefix, const std::string& live,
                   int patrol_interval_ms = 1000) {
  return R"({"snapshot_dir": ")" + dir.path() + R"(/snap", "patrol_log": ")" + dir.path() +
         R"(/patrols.jsonl", "admin": {"listen": "127.0.0.1:0"}, "live": )" + live +
         R"(, "subnets": [{"name": "s", "patrol_interval_ms": )" +
         std::to_string(patrol_interval_ms) + R"(, "cameras": [
           {"id": "tapo", "host": ")" +
         prefix + R"(.10", "port": 8554, "connect_budget_ms": 2000, "capture_budget_ms": 4000},
           {"id": "other", "host": ")" +
         prefix +
         R"(.11", "port": 8554, "connect_budget_ms": 2000, "capture_budget_ms": 4000}]}]})";
}

std::int64_t counter(const camsim_fixture& cameras, const std::string& id,
                     const std::string& name) {
  return cameras.camera(id).at(name).as_int64();
}

} // namespace

TEST_CASE("live view: three viewers and the patrols share the camera's one session",
          "[live][integration]") {
  temp_dir dir;
  camsim_fixture cameras{dir, scenario("127.88.40")};
  daemon_fixture daemon{dir, config(dir, "127.88.40", R"({"max_viewers_per_camera": 4})")};
  // Let a patrol or two run first: they open and tear down sessions of their own.
  REQUIRE(eventually([&] { return counter(cameras, "tapo", "teardowns_received") >= 1; }, 10s));

  std::vector<std::unique_ptr<mjpeg_client>> viewers;
  for (int i = 0; i < 3; ++i)
    viewers.push_back(std::make_unique<mjpeg_client>(daemon.port(), "/v1/cameras/tapo/live"));
  for (auto& viewer : viewers)
    REQUIRE(eventually([&] { return viewer->frames() >= 3; }, 10s));
  for (auto& viewer : viewers)
    CHECK(viewer->status() == 200);

  // While they watch, patrols go on: every few hundred ms camsim is asked
  // whether the camera ever had more than one session.
  auto started_before = counter(cameras, "tapo", "sessions_started");
  auto patrols_before = field(daemon.get("/v1/subnets/s"), "patrols_finished").as_int64();
  auto until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < until) {
    auto camera = cameras.camera("tapo");
    CHECK(camera.at("active_sessions").as_int64() <= 1);
    CHECK(camera.at("session_high_water").as_int64() == 1);
    std::this_thread::sleep_for(200ms);
  }
  CHECK(counter(cameras, "tapo", "sessions_started") == started_before);
  CHECK(counter(cameras, "tapo", "active_sessions") == 1);
  auto patrols_after = field(daemon.get("/v1/subnets/s"), "patrols_finished").as_int64();
  CHECK(patrols_after >= patrols_before + 2);

  // The patrols took their pictures from the live session.
  auto reports = daemon.get("/v1/subnets/s/patrols?limit=1");
  auto last = field(reports, "patrols").as_array().at(0);
  CHECK(text(find_by(last, "cameras", "camera", "tapo"), "outcome") == "captured");

  // The lease, as the API and the console show it.
  auto camera = daemon.get("/v1/cameras/tapo");
  CHECK(number(camera, "lease.viewers") == 3);
  CHECK(field(camera, "lease.holders").as_array().size() == 3);
  CHECK(number(camera, "lease.frames_served") >= 9);
  CHECK(text(camera, "state") == "capturing");
  CHECK(field(camera, "holds.session").as_bool());
  auto inspect = daemon.ctl({"inspect", "tapo"});
  CHECK(inspect.exit_code == 0);
  CHECK(inspect.out.find("live view             3 viewers since ") != std::string::npos);
  for (auto& viewer : viewers) {
    CHECK(viewer->parts_well_formed());
    CHECK_FALSE(viewer->ended());
  }

  // Every viewer leaves: the session is torn down within a second.
  auto teardowns = counter(cameras, "tapo", "teardowns_received");
  for (auto& viewer : viewers)
    viewer->close();
  CHECK(eventually(
      [&] {
        auto now = cameras.camera("tapo");
        return now.at("active_sessions").as_int64() == 0 &&
               now.at("open_connections").as_int64() == 0 &&
               now.at("teardowns_received").as_int64() == teardowns + 1;
      },
      1000ms));
  CHECK(cameras.camera("tapo").at("session_high_water").as_int64() == 1);
  REQUIRE(eventually([&] { return field(daemon.get("/v1/cameras/tapo"), "lease").is_null(); }, 2s));
  // And the camera rejoins the patrols on its own sessions.
  auto started = counter(cameras, "tapo", "sessions_started");
  CHECK(eventually([&] { return counter(cameras, "tapo", "sessions_started") > started; }, 5s));
}

TEST_CASE("live view: limits per camera and per fleet are refused clearly", "[live][integration]") {
  temp_dir dir;
  camsim_fixture cameras{dir, scenario("127.88.41")};
  daemon_fixture daemon{
      dir, config(dir, "127.88.41", R"({"max_viewers_per_camera": 2, "max_viewers": 3})")};

  mjpeg_client first{daemon.port(), "/v1/cameras/tapo/live"};
  mjpeg_client second{daemon.port(), "/v1/cameras/tapo/live"};
  REQUIRE(eventually([&] { return first.frames() >= 1 && second.frames() >= 1; }, 10s));

  auto third = daemon.call("GET", "/v1/cameras/tapo/live");
  CHECK(third.status == 429);
  auto error = json::parse(third.body);
  CHECK(text(error, "error.code") == "viewer_limit");
  CHECK(text(error, "error.message") ==
        "camera tapo already has 2 viewers, its limit (live.max_viewers_per_camera)");

  auto unknown = daemon.call("GET", "/v1/cameras/nowhere/live");
  CHECK(unknown.status == 404);
  auto posted = daemon.call("POST", "/v1/cameras/tapo/live");
  CHECK(posted.status == 405);

  mjpeg_client other{daemon.port(), "/v1/cameras/other/live"};
  REQUIRE(eventually([&] { return other.frames() >= 1; }, 10s));
  auto fourth = daemon.call("GET", "/v1/cameras/other/live");
  CHECK(fourth.status == 429);
  CHECK(text(json::parse(fourth.body), "error.message") ==
        "the fleet already streams 3 live views, its limit (live.max_viewers)");

  // A paused camera is not watched.
  second.close();
  REQUIRE(daemon.call("POST", "/v1/cameras/other/pause").status == 200);
  auto paused = daemon.call("GET", "/v1/cameras/other/live");
  CHECK(paused.status == 409);
  CHECK(text(json::parse(paused.body), "error.message") ==
        "camera other is paused by an operator: resume it to watch");
  CHECK(cameras.camera("tapo").at("session_high_water").as_int64() == 1);
}

TEST_CASE("live view: a lease ends at its maximum duration", "[live][integration]") {
  temp_dir dir;
  camsim_fixture cameras{dir, scenario("127.88.42")};
  daemon_fixture daemon{dir, config(dir, "127.88.42", R"({"max_lease_ms": 2000})", 60000)};

  auto opened = std::chrono::steady_clock::now();
  mjpeg_client viewer{daemon.port(), "/v1/cameras/tapo/live"};
  REQUIRE(eventually([&] { return viewer.frames() >= 1; }, 10s));
  REQUIRE(eventually([&] { return viewer.ended(); }, 10s));
  auto lasted = std::chrono::steady_clock::now() - opened;
  CHECK(lasted >= 2s);
  CHECK(viewer.saw_closing_boundary());
  CHECK(viewer.parts_well_formed());
  CHECK(eventually(
      [&] {
        auto camera = cameras.camera("tapo");
        return camera.at("active_sessions").as_int64() == 0 &&
               camera.at("open_connections").as_int64() == 0;
      },
      2s));
  CHECK(daemon.log().find("the lease reached its maximum duration of 2 s") != std::string::npos);
  CHECK(text(daemon.get("/v1/cameras/tapo"), "state") == "idle");
}

TEST_CASE("live view: a camera that goes silent ends the stream and backs off",
          "[live][integration]") {
  temp_dir dir;
  camsim_fixture cameras{dir, scenario("127.88.43")};
  daemon_fixture daemon{dir, config(dir, "127.88.43", R"({"stall_ms": 1000})", 60000)};

  mjpeg_client viewer{daemon.port(), "/v1/cameras/tapo/live"};
  REQUIRE(eventually([&] { return viewer.frames() >= 2; }, 10s));
  cameras.control("POST", "/cameras/tapo/behaviour", R"({"kind": "blackhole"})");
  REQUIRE(eventually([&] { return viewer.ended(); }, 5s));
  CHECK(viewer.saw_closing_boundary());
  auto camera = daemon.get("/v1/cameras/tapo");
  CHECK(text(camera, "state") == "backoff");
  CHECK(text(camera, "last_error.kind") == "no_key_frame");
  CHECK(field(camera, "lease").is_null());
  // Backing off, it refuses viewers with the reason.
  auto refused = daemon.call("GET", "/v1/cameras/tapo/live");
  CHECK(refused.status == 409);
  CHECK(text(json::parse(refused.body), "error.message").find("is backing off") !=
        std::string::npos);
  // The connection is closed even though the silent camera ignored TEARDOWN.
  CHECK(eventually([&] { return counter(cameras, "tapo", "open_connections") == 0; }, 3s));
}

TEST_CASE("live view: a lease keeps a session alive past the camera's session timeout",
          "[live][integration]") {
  temp_dir dir;
  // The camera drops a session that sends no request for 2 s.
  camsim_fixture cameras{dir, scenario("127.88.44", 2)};
  daemon_fixture daemon{dir, config(dir, "127.88.44", "{}", 60000)};
  REQUIRE(eventually([&] { return counter(cameras, "tapo", "teardowns_received") >= 1; }, 10s));

  auto started = counter(cameras, "tapo", "sessions_started");
  mjpeg_client viewer{daemon.port(), "/v1/cameras/tapo/live"};
  REQUIRE(eventually([&] { return viewer.frames() >= 1; }, 10s));
  auto frames_at_start = viewer.frames();
  std::this_thread::sleep_for(7s);
  CHECK(counter(cameras, "tapo", "sessions_expired") == 0);
  CHECK(counter(cameras, "tapo", "sessions_started") == started + 1);
  CHECK_FALSE(viewer.ended());
  // 4 pictures a second at most, for 7 s: the stream never stopped.
  CHECK(viewer.frames() >= frames_at_start + 20);
  CHECK(viewer.frames() <= frames_at_start + 32);
}

TEST_CASE("live view: two viewers of a GStreamer camera, patrols served from their session",
          "[live][integration][gstreamer]") {
  // A real RTSP server (GStreamer's) that refuses a second session.
  camfleet::test::rtsp_test_server::options options;
  options.cameras = {"127.88.45.10:8554"};
  options.max_sessions = 1;
  camfleet::test::rtsp_test_server server{options};
  temp_dir dir;
  daemon_fixture daemon{dir, R"({"snapshot_dir": ")" + dir.path() + R"(/snap", "patrol_log": ")" +
                                 dir.path() + R"(/patrols.jsonl",
    "admin": {"listen": "127.0.0.1:0"},
    "subnets": [{"name": "g", "patrol_interval_ms": 1000, "cameras": [
      {"id": "gst", "host": "127.88.45.10", "port": 8554, "capture_budget_ms": 5000}]}]})"};
  const std::string address = "127.88.45.10:8554";
  REQUIRE(server.wait_for(address, "teardown", 1, 15s));

  auto patrols_before = field(daemon.get("/v1/subnets/g"), "patrols_finished").as_int64();
  {
    mjpeg_client first{daemon.port(), "/v1/cameras/gst/live"};
    mjpeg_client second{daemon.port(), "/v1/cameras/gst/live"};
    REQUIRE(eventually([&] { return first.frames() >= 8 && second.frames() >= 8; }, 20s));
    CHECK(first.parts_well_formed());
    CHECK(second.parts_well_formed());
    REQUIRE(eventually(
        [&] {
          return field(daemon.get("/v1/subnets/g"), "patrols_finished").as_int64() >=
                 patrols_before + 2;
        },
        10s));
    auto last = field(daemon.get("/v1/subnets/g/patrols?limit=1"), "patrols").as_array().at(0);
    CHECK(text(find_by(last, "cameras", "camera", "gst"), "outcome") == "captured");
    // One connection for both viewers and the patrols (GStreamer reports a
    // close late, so the earlier patrols' closes may still be on their way).
    CHECK(eventually(
        [&] {
          auto counts = server.counts_for(address);
          return counts.connected - counts.closed == 1;
        },
        camfleet::test::rtsp_test_server::report_bound));
  }
  // Both gone: GStreamer sees the TEARDOWN and the connection close.
  auto counts = server.counts_for(address);
  CHECK(server.wait_for(address, "closed", counts.connected,
                        camfleet::test::rtsp_test_server::report_bound));
  CHECK(server.counts_for(address).teardown >= counts.connected);
}

TEST_CASE("live view: a viewer cuts a waiting patrol capture short and serves its patrol",
          "[live][integration]") {
  temp_dir dir;
  // A key frame every 5 s: a patrol capture waits for it for seconds.
  camsim_fixture cameras{dir, R"({"subnets": [{"name": "s", "prefix": "127.88.46.0/24",
    "cameras": [{"id": "slow-gop", "address": "127.88.46.10", "port": 8554,
      "model": "Tapo C210", "session_limit": 1,
      "stream": {"width": 320, "height": 240, "fps": 10, "key_frame_interval": 50},
      "behaviour": "healthy"}]}]})"};
  daemon_fixture daemon{dir, R"({"snapshot_dir": ")" + dir.path() + R"(/snap", "patrol_log": ")" +
                                 dir.path() + R"(/patrols.jsonl",
    "admin": {"listen": "127.0.0.1:0"},
    "subnets": [{"name": "s", "patrol_interval_ms": 3600000, "cameras": [
      {"id": "slow-gop", "host": "127.88.46.10", "port": 8554, "connect_budget_ms": 2000,
       "capture_budget_ms": 12000}]}]})"};

  // The first patrol's capture waits for a key frame.
  REQUIRE(eventually(
      [&] {
        return text(daemon.get("/v1/cameras/slow-gop"), "capture.phase") == "waiting_for_key_frame";
      },
      10s));
  auto patrol = number(daemon.get("/v1/cameras/slow-gop"), "capture.patrol_id");
  mjpeg_client viewer{daemon.port(), "/v1/cameras/slow-gop/live"};
  REQUIRE(eventually([&] { return viewer.frames() >= 1; }, 15s));
  CHECK(viewer.status() == 200);

  // The patrol was answered from the live session: captured, and ended
  // although the live session is still held.
  REQUIRE(eventually(
      [&] {
        auto reports = field(daemon.get("/v1/subnets/s/patrols"), "patrols").as_array();
        return !reports.empty() && number(reports.at(0), "patrol_id") == patrol;
      },
      15s));
  auto report = field(daemon.get("/v1/subnets/s/patrols?limit=1"), "patrols").as_array().at(0);
  CHECK(text(find_by(report, "cameras", "camera", "slow-gop"), "outcome") == "captured");
  auto camera = cameras.camera("slow-gop");
  CHECK(camera.at("session_high_water").as_int64() == 1);
  CHECK(camera.at("sessions_started").as_int64() == 2);
  CHECK(camera.at("teardowns_received").as_int64() == 1);
  CHECK(daemon.log().find("cutting the capture of patrol " + std::to_string(patrol) +
                          " short for a live viewer") != std::string::npos);

  viewer.close();
  CHECK(eventually(
      [&] {
        auto now = cameras.camera("slow-gop");
        return now.at("active_sessions").as_int64() == 0 &&
               now.at("teardowns_received").as_int64() == 2;
      },
      1000ms));
}

TEST_CASE("on-demand snapshot: taken now, from the live session when one is held",
          "[live][integration]") {
  temp_dir dir;
  camsim_fixture cameras{dir, scenario("127.88.47")};
  daemon_fixture daemon{dir, config(dir, "127.88.47", "{}", 3600000)};
  REQUIRE(eventually([&] { return counter(cameras, "tapo", "teardowns_received") >= 1; }, 10s));
  auto is_jpeg = [](const std::string& body) {
    return body.size() > 4 && static_cast<unsigned char>(body[0]) == 0xFF &&
           static_cast<unsigned char>(body[1]) == 0xD8 &&
           static_cast<unsigned char>(body[body.size() - 1]) == 0xD9;
  };

  // Idle (the first patrol's capture over, as the daemon sees it: a snapshot
  // asked while it runs would share its picture): a capture of its own, one
  // session, torn down.
  REQUIRE(eventually(
      [&] {
        auto camera = daemon.get("/v1/cameras/tapo");
        return text(camera, "state") == "idle" && !field(camera, "holds.session").as_bool();
      },
      10s));
  auto started = counter(cameras, "tapo", "sessions_started");
  auto taken = daemon.call("POST", "/v1/cameras/tapo/snapshot");
  CHECK(taken.status == 200);
  CHECK(is_jpeg(taken.body));
  CHECK(counter(cameras, "tapo", "sessions_started") == started + 1);
  CHECK(eventually([&] { return counter(cameras, "tapo", "active_sessions") == 0; }, 2s));
  // It is the camera's latest snapshot now.
  CHECK(daemon.call("GET", "/v1/cameras/tapo/snapshot").body == taken.body);

  // Live: from the session the viewer holds, no new one.
  mjpeg_client viewer{daemon.port(), "/v1/cameras/tapo/live"};
  REQUIRE(eventually([&] { return viewer.frames() >= 1; }, 10s));
  started = counter(cameras, "tapo", "sessions_started");
  auto shared = daemon.call("POST", "/v1/cameras/tapo/snapshot");
  CHECK(shared.status == 200);
  CHECK(is_jpeg(shared.body));
  CHECK(counter(cameras, "tapo", "sessions_started") == started);
  CHECK(cameras.camera("tapo").at("session_high_water").as_int64() == 1);
  viewer.close();

  // A camera that fails: the error says why.
  cameras.control("POST", "/cameras/other/behaviour", R"({"kind": "refuse"})");
  auto refused = daemon.call("POST", "/v1/cameras/other/snapshot");
  CHECK(refused.status == 409);
  CHECK(text(json::parse(refused.body), "error.message").find("failed: refused") !=
        std::string::npos);
  auto backing_off = daemon.call("POST", "/v1/cameras/other/snapshot");
  CHECK(backing_off.status == 409);
  CHECK(text(json::parse(backing_off.body), "error.message").find("is backing off") !=
        std::string::npos);
}

TEST_CASE("live view: another site's page cannot open a session, nor a renamed host",
          "[live][integration]") {
  temp_dir dir;
  camsim_fixture cameras{dir, scenario("127.88.48")};
  daemon_fixture daemon{dir, config(dir, "127.88.48", "{}", 3600000)};
  REQUIRE(eventually([&] { return counter(cameras, "tapo", "teardowns_received") >= 1; }, 10s));
  auto started = counter(cameras, "tapo", "sessions_started");
  auto host = "Host: 127.0.0.1:" + std::to_string(daemon.port()) + "\r\n";

  // An <img> on another site's page: the browser says so.
  auto cross_site = raw_exchange(daemon.port(), "GET /v1/cameras/tapo/live HTTP/1.1\r\n" + host +
                                                    "Sec-Fetch-Site: cross-site\r\n"
                                                    "Connection: close\r\n\r\n");
  CHECK(cross_site.rfind("HTTP/1.1 403", 0) == 0);
  CHECK(cross_site.find("acts and live views only from its own pages") != std::string::npos);

  // DNS rebinding: another name resolving to the loopback address.
  auto renamed = raw_exchange(daemon.port(), "GET /v1/cameras/tapo/live HTTP/1.1\r\n"
                                             "Host: cameras.example.net:" +
                                                 std::to_string(daemon.port()) +
                                                 "\r\nConnection: close\r\n\r\n");
  CHECK(renamed.rfind("HTTP/1.1 403", 0) == 0);
  CHECK(renamed.find("answers only requests addressed to localhost or a loopback address") !=
        std::string::npos);
  auto renamed_act = raw_exchange(daemon.port(), "POST /v1/cameras/tapo/kick HTTP/1.1\r\n"
                                                 "Host: cameras.example.net\r\n"
                                                 "Origin: http://cameras.example.net\r\n"
                                                 "Content-Length: 0\r\nConnection: close\r\n\r\n");
  CHECK(renamed_act.rfind("HTTP/1.1 403", 0) == 0);
  CHECK(counter(cameras, "tapo", "sessions_started") == started);

  // The pages' own requests, and clients that are not browsers, go through.
  mjpeg_client viewer{daemon.port(), "/v1/cameras/tapo/live"};
  CHECK(eventually([&] { return viewer.frames() >= 1; }, 10s));
  auto localhost = raw_exchange(
      daemon.port(), "GET /v1/fleet HTTP/1.1\r\nHost: localhost:" + std::to_string(daemon.port()) +
                         "\r\nSec-Fetch-Site: same-origin\r\n"
                         "Connection: close\r\n\r\n");
  CHECK(localhost.rfind("HTTP/1.1 200", 0) == 0);
}
