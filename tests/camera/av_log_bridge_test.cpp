#include "camera/av_log_bridge.hpp"

#include <string>
#include <thread>

#include <catch2/catch.hpp>

extern "C" {
#include <libavutil/log.h>
}

#include "tests/support/log_capture.hpp"

using namespace camfleet;
using camfleet::test::log_capture;

namespace {

/// Puts libav's level back to the default after a test changed it.
struct level_guard {
  ~level_guard() { set_libav_log_level(libav_log_level::warning); }
};

} // namespace

TEST_CASE("av_log_bridge: lines name the camera and lose its password", "[camera]") {
  install_av_log_bridge();
  log_capture logs;
  {
    av_log_scope scope{"tapo-c110", "s3cr:t"};
    av_log(nullptr, AV_LOG_ERROR, "cannot open rtsp://admin:%s@127.0.0.1/stream1\n", "s3cr%3At");
    av_log(nullptr, AV_LOG_WARNING, "password %s rejected\n", "s3cr:t");
  }
  auto lines = logs.lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind("camera=tapo-c110 libav: ", 0) == 0);
  CHECK(lines[0].find("rtsp://***@127.0.0.1/stream1") != std::string::npos);
  CHECK(lines[1].find("password *** rejected") != std::string::npos);
  CHECK_FALSE(logs.contains("s3cr"));
}

TEST_CASE("av_log_bridge: lines outside a scope carry no camera", "[camera]") {
  install_av_log_bridge();
  log_capture logs;
  av_log(nullptr, AV_LOG_WARNING, "from nowhere rtsp://u:p@127.0.0.1/x\n");
  auto lines = logs.lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind("libav: ", 0) == 0);
  CHECK(lines[0].find("camera=") == std::string::npos);
  CHECK(lines[0].find("u:p@") == std::string::npos);
}

TEST_CASE("av_log_bridge: a line written in pieces is one line", "[camera]") {
  install_av_log_bridge();
  log_capture logs;
  av_log_scope scope{"cam", ""};
  av_log(nullptr, AV_LOG_WARNING, "first half, ");
  av_log(nullptr, AV_LOG_WARNING, "second half\n");
  auto lines = logs.lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("first half, second half") != std::string::npos);
  CHECK(scope.last_problem() == "first half, second half");
}

TEST_CASE("av_log_bridge: the last problem is kept whatever the log level", "[camera]") {
  level_guard restore;
  set_libav_log_level(libav_log_level::error);
  log_capture logs;
  av_log_scope scope{"cam", ""};
  av_log(nullptr, AV_LOG_ERROR, "method DESCRIBE failed: 453 Not Enough Bandwidth\n");
  av_log(nullptr, AV_LOG_INFO, "an info line is no problem\n");
  CHECK(scope.last_problem() == "method DESCRIBE failed: 453 Not Enough Bandwidth");
  av_log(nullptr, AV_LOG_WARNING, "a warning below the level\n");
  CHECK(scope.last_problem() == "a warning below the level");
  CHECK_FALSE(logs.contains("a warning below the level"));
  scope.clear_last_problem();
  CHECK(scope.last_problem().empty());
}

TEST_CASE("av_log_bridge: debug lines are dropped at the default level", "[camera]") {
  level_guard restore;
  set_libav_log_level(libav_log_level::warning);
  log_capture logs;
  av_log(nullptr, AV_LOG_DEBUG, "chatter\n");
  CHECK(logs.lines().empty());
  set_libav_log_level(libav_log_level::debug);
  av_log(nullptr, AV_LOG_DEBUG, "chatter\n");
  CHECK(logs.contains("chatter"));
}

TEST_CASE("av_log_bridge: scopes nest and stay on their thread", "[camera]") {
  install_av_log_bridge();
  log_capture logs;
  av_log_scope outer{"outer", ""};
  {
    av_log_scope inner{"inner", ""};
    CHECK(av_log_scope::current() == &inner);
    std::thread other{[] { av_log(nullptr, AV_LOG_WARNING, "from another thread\n"); }};
    other.join();
    av_log(nullptr, AV_LOG_WARNING, "inside\n");
  }
  CHECK(av_log_scope::current() == &outer);
  av_log(nullptr, AV_LOG_WARNING, "outside\n");
  auto lines = logs.lines();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "libav: [av] from another thread");
  CHECK(lines[1] == "camera=inner libav: [av] inside");
  CHECK(lines[2] == "camera=outer libav: [av] outside");
}

TEST_CASE("av_log_bridge: RTSP requests are seen and their credentials redacted", "[camera]") {
  level_guard restore;
  set_libav_log_level(libav_log_level::trace);
  log_capture logs;
  av_log_scope scope{"cam", "pw"};
  std::string method;
  scope.on_rtsp_request([&](std::string_view m) { method = m; });
  // What libav's RTSP client writes before each request.
  av_log(nullptr, AV_LOG_TRACE, "Sending:\n%s--\n",
         "DESCRIBE rtsp://127.0.0.1:554/stream1 RTSP/1.0\r\n"
         "Authorization: Basic YWRtaW46cHc=\r\n");
  CHECK(method == "DESCRIBE");
  CHECK(logs.contains("camera=cam libav: [av] Authorization: ***"));
  CHECK_FALSE(logs.contains("YWRtaW46cHc="));
}
