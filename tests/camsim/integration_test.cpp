// camsim served in-process and driven by libavformat, as camfleet drives
// cameras, plus a raw RTSP client for exact status lines. Every wait has a
// budget; the wall clock bounds the tests but never decides a pass.

#include "tests/camsim/av_client.hpp"
#include "tests/camsim/raw_rtsp_client.hpp"
#include "tests/camsim/running_fleet.hpp"

#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <spdlog/spdlog.h>

extern "C" {
#include <libavutil/log.h>
}

using namespace camfleet::camsim::test;
using namespace std::chrono_literals;

namespace {

const std::string address = "127.77.0.10";
const std::string credentials = "camsim:s3cret";
constexpr auto budget = 5000ms;

// One camera "cam" on loopback with an ephemeral port, small frames so that
// encoding is quick, and `fields` appended to its entry.
std::string one_camera(const std::string& fields) {
  return R"({"subnets": [{"name": "test", "prefix": "127.77.0.0/16", "cameras": [
            {"id": "cam", "address": ")" +
         address + R"(", "port": 0,
             "stream": {"width": 320, "height": 180, "fps": 15, "key_frame_interval": 15})" +
         (fields.empty() ? "" : ", " + fields) + "}]}]}";
}

const std::string digest_camera = one_camera(
    R"("model": "Tapo C110", "credentials": {"username": "camsim", "password": "s3cret"})");

void quiet_logs() {
  spdlog::set_level(spdlog::level::warn);
  av_log_set_level(AV_LOG_FATAL);
}

// Connects `client` and sends SETUP for interleaved TCP; the reply.
rtsp_reply raw_setup_reply(raw_rtsp_client& client, const running_fleet& fleet) {
  REQUIRE_FALSE(client.connect(address, fleet.port_of("cam"), budget));
  auto reply = client.request("SETUP", fleet.url("cam") + "/trackID=1",
                              "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n", budget);
  REQUIRE(reply);
  return *reply;
}

// A raw client that has set up a session; returns the session id.
std::string raw_setup(raw_rtsp_client& client, const running_fleet& fleet) {
  auto reply = raw_setup_reply(client, fleet);
  REQUIRE(reply.status == 200);
  auto session = reply.header("Session");
  return session.substr(0, session.find(';'));
}

} // namespace

TEST_CASE("integration: a healthy camera delivers a decodable key frame", "[camsim][integration]") {
  quiet_logs();
  running_fleet fleet{digest_camera};
  av_client client;
  auto err = client.open(fleet.url("cam", credentials), budget);
  REQUIRE(err == 0);
  REQUIRE(client.video() != nullptr);
  CHECK(client.video()->codec_id == AV_CODEC_ID_H264);
  // The parameter sets came from the SDP, so no probing was needed.
  CHECK(client.video()->extradata_size > 0);

  packet_ptr packet;
  REQUIRE(client.read_key_frame(packet, budget) == 0);
  CHECK(decode_size(*client.video(), *packet) == std::pair{320, 180});
  client.close();
  CHECK(fleet.await_counter("cam", "teardowns_received", 1, budget) == 1);
}

TEST_CASE("integration: SETUP past the session limit is refused", "[camsim][integration]") {
  quiet_logs();
  SECTION("a Tapo C210 answers 453 to a second client") {
    running_fleet fleet{one_camera(R"("model": "Tapo C210")")};
    av_client first;
    REQUIRE(first.open(fleet.url("cam"), budget) == 0);

    av_client second;
    CHECK(second.open(fleet.url("cam"), budget) == AVERROR_HTTP_OTHER_4XX);
    raw_rtsp_client raw;
    CHECK(raw_setup_reply(raw, fleet).status_line == "RTSP/1.0 453 Not Enough Bandwidth");

    auto cam = fleet.camera("cam");
    CHECK(cam["refusals_sent"] == 2);
    CHECK(cam["active_sessions"] == 1);
    CHECK(cam["session_high_water"] == 1);

    SECTION("the slot is free again after TEARDOWN") {
      first.close();
      REQUIRE(fleet.await_counter("cam", "active_sessions", 0, budget) == 0);
      CHECK(second.open(fleet.url("cam"), budget) == 0);
    }
  }
  SECTION("a camera configured for 406 answers 406") {
    running_fleet fleet{one_camera(R"("session_limit": 1, "full_status": 406)")};
    raw_rtsp_client holder;
    raw_setup(holder, fleet);
    raw_rtsp_client raw;
    CHECK(raw_setup_reply(raw, fleet).status_line == "RTSP/1.0 406 Not Acceptable");
  }
}

TEST_CASE("integration: a session that is never torn down expires after its timeout",
          "[camsim][integration]") {
  quiet_logs();
  // 4 s leaves room for a slow machine to check that nothing expired early.
  running_fleet fleet{one_camera(R"("model": "Tapo C210", "session_timeout_s": 4)")};
  av_client client;
  REQUIRE(client.open(fleet.url("cam"), budget) == 0);
  packet_ptr packet;
  REQUIRE(client.read_key_frame(packet, budget) == 0);

  // As the orphaned ffmpeg of the incident: the connection goes, TEARDOWN never comes.
  client.abandon();
  CHECK(fleet.await_counter("cam", "open_connections", 0, budget) == 0);
  auto cam = fleet.camera("cam");
  CHECK(cam["teardowns_received"] == 0);
  CHECK(cam["sessions_expired"] == 0);
  CHECK(cam["active_sessions"] == 1);

  // Meanwhile the camera is locked: its only slot is held by nobody.
  av_client blocked;
  CHECK(blocked.open(fleet.url("cam"), budget) == AVERROR_HTTP_OTHER_4XX);

  CHECK(fleet.await_counter("cam", "sessions_expired", 1, 4s + budget) == 1);
  CHECK(fleet.counter("cam", "active_sessions") == 0);
  CHECK(blocked.open(fleet.url("cam"), budget) == 0);
}

TEST_CASE("integration: keep-alives hold a session past its timeout", "[camsim][integration]") {
  quiet_logs();
  running_fleet fleet{one_camera(R"("session_timeout_s": 2)")};
  raw_rtsp_client client;
  auto session = raw_setup(client, fleet);

  // GET_PARAMETER every 300 ms for 1.8 timeouts.
  for (int i = 0; i < 12; ++i) {
    std::this_thread::sleep_for(300ms);
    auto reply =
        client.request("GET_PARAMETER", fleet.url("cam"), "Session: " + session + "\r\n", budget);
    REQUIRE(reply);
    REQUIRE(reply->status == 200);
  }
  CHECK(fleet.counter("cam", "sessions_expired") == 0);
  CHECK(fleet.counter("cam", "active_sessions") == 1);

  SECTION("and the session expires once they stop") {
    CHECK(fleet.await_counter("cam", "sessions_expired", 1, budget) == 1);
    auto reply =
        client.request("GET_PARAMETER", fleet.url("cam"), "Session: " + session + "\r\n", budget);
    REQUIRE(reply);
    CHECK(reply->status == 454);
  }
}

TEST_CASE("integration: the control API counts what clients did", "[camsim][integration]") {
  quiet_logs();
  running_fleet fleet{digest_camera};
  for (int i = 0; i < 3; ++i) {
    av_client client;
    REQUIRE(client.open(fleet.url("cam", credentials), budget) == 0);
    packet_ptr packet;
    REQUIRE(client.read_key_frame(packet, budget) == 0);
    client.close();
    // The TEARDOWN is counted once avformat_close_input has returned.
    CHECK(fleet.counter("cam", "teardowns_received") == i + 1);
  }
  CHECK(fleet.await_counter("cam", "open_connections", 0, budget) == 0);
  auto cam = fleet.camera("cam");
  CHECK(cam["sessions_started"] == 3);
  CHECK(cam["teardowns_received"] == 3);
  CHECK(cam["sessions_expired"] == 0);
  CHECK(cam["active_sessions"] == 0);
  CHECK(cam["session_high_water"] == 1);
  CHECK(cam["connections_accepted"] == 3);
  CHECK(cam["refusals_sent"] == 0);
  CHECK(cam["auth_failures"] == 0);
  CHECK(cam["frames_sent"].to_number<std::int64_t>() >= 3);
  CHECK(cam["bytes_sent"].to_number<std::int64_t>() > 1000);
  CHECK(cam["behaviour"].at("kind") == "healthy");

  SECTION("GET /cameras lists the same camera") {
    auto reply = control_call(fleet.control_port(), "GET", "/cameras");
    REQUIRE(reply.status == 200);
    auto list = reply.body.at("cameras").as_array();
    REQUIRE(list.size() == 1);
    CHECK(list[0].at("teardowns_received") == 3);
  }
  SECTION("GET /health answers") {
    auto reply = control_call(fleet.control_port(), "GET", "/health");
    REQUIRE(reply.status == 200);
    CHECK(reply.body.at("status") == "ok");
    CHECK(reply.body.at("cameras") == 1);
  }
  SECTION("unknown cameras and paths are JSON errors") {
    auto reply = control_call(fleet.control_port(), "GET", "/cameras/nope");
    CHECK(reply.status == 404);
    CHECK(reply.body.at("error").is_string());
    CHECK(control_call(fleet.control_port(), "GET", "/nothing").status == 404);
    CHECK(control_call(fleet.control_port(), "DELETE", "/cameras/cam").status == 405);
  }
}

TEST_CASE("integration: RTP over UDP is refused with 461", "[camsim][integration]") {
  quiet_logs();
  running_fleet fleet{one_camera("")};
  raw_rtsp_client client;
  REQUIRE_FALSE(client.connect(address, fleet.port_of("cam"), budget));
  auto reply = client.request("SETUP", fleet.url("cam") + "/trackID=1",
                              "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n", budget);
  REQUIRE(reply);
  CHECK(reply->status_line == "RTSP/1.0 461 Unsupported Transport");
  CHECK(reply->header("CSeq") == "1");
  CHECK(fleet.counter("cam", "active_sessions") == 0);
}

TEST_CASE("integration: credentials are checked", "[camsim][integration]") {
  quiet_logs();
  SECTION("Digest with a wrong password gets 401, counted") {
    running_fleet fleet{digest_camera};
    av_client client;
    CHECK(client.open(fleet.url("cam", "camsim:wrong"), budget) == AVERROR_HTTP_UNAUTHORIZED);
    CHECK(fleet.counter("cam", "auth_failures") >= 1);
    CHECK(fleet.counter("cam", "sessions_started") == 0);
  }
  SECTION("Basic cameras challenge with TP-Link's realm and accept the right password") {
    running_fleet fleet{one_camera(
        R"("auth": "basic", "credentials": {"username": "camsim", "password": "s3cret"})")};
    raw_rtsp_client raw;
    REQUIRE_FALSE(raw.connect(address, fleet.port_of("cam"), budget));
    auto reply = raw.request("DESCRIBE", fleet.url("cam"), "", budget);
    REQUIRE(reply);
    CHECK(reply->status == 401);
    CHECK(reply->header("WWW-Authenticate") == R"(Basic realm="TP-Link IP-Camera")");
    av_client client;
    CHECK(client.open(fleet.url("cam", credentials), budget) == 0);
  }
}
