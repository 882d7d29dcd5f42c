// Behaviours switched at run time through the control API (and by the
// scenario's timeline), each seen from a client as a real sick camera is.

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
using std::chrono::steady_clock;

namespace {

const std::string address = "127.77.1.10";
constexpr auto budget = 5000ms;

std::string one_camera(const std::string& extra = "") {
  return R"({"subnets": [{"name": "test", "prefix": "127.77.1.0/24", "cameras": [
            {"id": "cam", "address": ")" +
         address + R"(", "port": 0, "model": "Axis",
             "stream": {"width": 320, "height": 180, "fps": 15, "key_frame_interval": 15}}]}])" +
         extra + "}";
}

void quiet_logs() {
  spdlog::set_level(spdlog::level::warn);
  av_log_set_level(AV_LOG_FATAL);
}

void switch_to(const running_fleet& fleet, const std::string& behaviour) {
  auto reply = fleet.set_behaviour("cam", behaviour);
  REQUIRE(reply.status == 200);
}

// Reads up to `count` packets within `read_budget`; returns the first error
// (the budget's end included). An interrupted read leaves libavformat's RTSP
// demuxer unusable, so only the last read of a client may run out of time.
int read_packets(av_client& client, int count, std::chrono::milliseconds read_budget, int& packets,
                 int& key_frames) {
  auto deadline = steady_clock::now() + read_budget;
  packet_ptr packet;
  packets = key_frames = 0;
  while (packets < count && steady_clock::now() < deadline) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    auto err = client.read(packet, std::max(left, 1ms));
    if (err < 0)
      return err;
    ++packets;
    if (packet->flags & AV_PKT_FLAG_KEY)
      ++key_frames;
  }
  return 0;
}

} // namespace

TEST_CASE("integration: refuse closes the listener and healthy reopens it",
          "[camsim][integration]") {
  quiet_logs();
  running_fleet fleet{one_camera()};
  switch_to(fleet, R"({"kind": "refuse"})");
  raw_rtsp_client client;
  CHECK(client.connect(address, fleet.port_of("cam"), budget) ==
        boost::asio::error::connection_refused);
  CHECK(fleet.camera("cam")["listening"] == false);

  switch_to(fleet, R"("healthy")");
  raw_rtsp_client again;
  CHECK_FALSE(again.connect(address, fleet.port_of("cam"), budget));
}

TEST_CASE("integration: reset answers the connect with an RST", "[camsim][integration]") {
  quiet_logs();
  running_fleet fleet{one_camera()};
  switch_to(fleet, R"("reset")");
  raw_rtsp_client client;
  // On loopback the RST can beat the connect's completion to the client.
  auto ec = client.connect(address, fleet.port_of("cam"), budget);
  std::size_t bytes = 0;
  if (!ec)
    ec = client.drain(budget, bytes);
  CHECK(ec == boost::asio::error::connection_reset);
  CHECK(bytes == 0);
  CHECK(fleet.await_counter("cam", "resets_sent", 1, budget) == 1);
}

TEST_CASE("integration: blackhole accepts and never answers", "[camsim][integration]") {
  quiet_logs();
  running_fleet fleet{one_camera()};
  switch_to(fleet, R"("blackhole")");
  raw_rtsp_client client;
  REQUIRE_FALSE(client.connect(address, fleet.port_of("cam"), budget));
  CHECK_FALSE(client.request("OPTIONS", fleet.url("cam"), "", 500ms));
  CHECK(fleet.counter("cam", "requests_received") == 1);
  CHECK(fleet.counter("cam", "open_connections") == 1);

  SECTION("libavformat gives up at its own deadline") {
    av_client av;
    auto start = steady_clock::now();
    CHECK(av.open(fleet.url("cam"), 700ms) < 0);
    CHECK(steady_clock::now() - start >= 700ms);
  }
}

TEST_CASE("integration: slow delays every reply", "[camsim][integration]") {
  quiet_logs();
  running_fleet fleet{one_camera()};
  switch_to(fleet, R"({"kind": "slow", "delay_ms": 400})");
  raw_rtsp_client client;
  REQUIRE_FALSE(client.connect(address, fleet.port_of("cam"), budget));
  auto start = steady_clock::now();
  auto reply = client.request("OPTIONS", fleet.url("cam"), "", budget);
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(steady_clock::now() - start >= 400ms);
}

TEST_CASE("integration: session_full refuses SETUP whatever the slots", "[camsim][integration]") {
  quiet_logs();
  running_fleet fleet{one_camera()};
  switch_to(fleet, R"({"kind": "session_full", "status": 406})");
  av_client client;
  CHECK(client.open(fleet.url("cam"), budget) == AVERROR_HTTP_OTHER_4XX);
  CHECK(fleet.counter("cam", "refusals_sent") == 1);
  CHECK(fleet.counter("cam", "active_sessions") == 0);
}

TEST_CASE("integration: the stream misbehaves after PLAY", "[camsim][integration]") {
  quiet_logs();
  running_fleet fleet{one_camera()};
  av_client client;
  int packets = 0;
  int key_frames = 0;

  SECTION("stall_after_play sends N frames, then silence with the socket open") {
    switch_to(fleet, R"({"kind": "stall_after_play", "frames": 5})");
    REQUIRE(client.open(fleet.url("cam"), budget) == 0);
    // 3 s at 15 fps would be 45 frames; the last of the 5 comes out of
    // libavformat's parser only when the read deadline flushes it.
    read_packets(client, 100, 3000ms, packets, key_frames);
    CHECK(packets == 5);
    CHECK(fleet.counter("cam", "frames_sent") == 5);
    CHECK(fleet.counter("cam", "open_connections") == 1);
  }
  SECTION("drop_after sends N frames, then closes") {
    switch_to(fleet, R"({"kind": "drop_after", "frames": 5})");
    REQUIRE(client.open(fleet.url("cam"), budget) == 0);
    CHECK(read_packets(client, 100, 3000ms, packets, key_frames) == AVERROR_EOF);
    CHECK(packets == 5);
    CHECK(fleet.counter("cam", "frames_sent") == 5);
    CHECK(fleet.await_counter("cam", "open_connections", 0, budget) == 0);
    // Closed without TEARDOWN: the session keeps its slot.
    CHECK(fleet.counter("cam", "active_sessions") == 1);
  }
  SECTION("no_key_frame streams only non-key frames") {
    switch_to(fleet, R"("no_key_frame")");
    REQUIRE(client.open(fleet.url("cam"), budget) == 0);
    // 30 frames span two key-frame intervals of 15.
    CHECK(read_packets(client, 30, budget, packets, key_frames) == 0);
    CHECK(packets == 30);
    CHECK(key_frames == 0);

    switch_to(fleet, R"("healthy")");
    packet_ptr packet;
    CHECK(client.read_key_frame(packet, budget) == 0);
  }
}

TEST_CASE("integration: garbage and quirks in replies", "[camsim][integration]") {
  quiet_logs();
  running_fleet fleet{one_camera()};
  raw_rtsp_client raw;
  REQUIRE_FALSE(raw.connect(address, fleet.port_of("cam"), budget));

  SECTION("tplink_sdp adds Tapo's malformed media line next to the video") {
    switch_to(fleet, R"("tplink_sdp")");
    auto reply = raw.request("DESCRIBE", fleet.url("cam"), "", budget);
    REQUIRE(reply);
    CHECK(reply->body.find("m=video 0 RTP/AVP 96") != std::string::npos);
    CHECK(reply->body.find("m=application/TP-LINK") != std::string::npos);
  }
  SECTION("garbage status_line breaks the status line") {
    switch_to(fleet, R"({"kind": "garbage", "mode": "status_line"})");
    auto reply = raw.request("OPTIONS", fleet.url("cam"), "", budget);
    REQUIRE(reply);
    CHECK(reply->status == 0);
    av_client av;
    CHECK(av.open(fleet.url("cam"), budget) < 0);
  }
  SECTION("garbage headers leave a client without a usable reply") {
    switch_to(fleet, R"({"kind": "garbage", "mode": "headers"})");
    av_client av;
    CHECK(av.open(fleet.url("cam"), 1500ms) < 0);
  }
  SECTION("garbage sdp sends a body that is not SDP") {
    switch_to(fleet, R"({"kind": "garbage", "mode": "sdp"})");
    auto reply = raw.request("DESCRIBE", fleet.url("cam"), "", budget);
    REQUIRE(reply);
    CHECK(reply->status == 200);
    CHECK(reply->body.find("sprop-parameter-sets=@@@") != std::string::npos);
  }
  SECTION("auth_rejected answers 401 even without an account") {
    switch_to(fleet, R"("auth_rejected")");
    auto reply = raw.request("DESCRIBE", fleet.url("cam"), "", budget);
    REQUIRE(reply);
    CHECK(reply->status == 401);
  }
}

TEST_CASE("integration: the control API rejects a bad behaviour with its path",
          "[camsim][integration]") {
  quiet_logs();
  running_fleet fleet{one_camera()};
  auto reply = fleet.set_behaviour("cam", R"({"kind": "slow"})");
  CHECK(reply.status == 400);
  CHECK(reply.body.at("path") == "$.delay_ms");
  CHECK(fleet.set_behaviour("cam", "not json").status == 400);
  CHECK(fleet.set_behaviour("nope", R"("healthy")").status == 404);
  CHECK(fleet.camera("cam")["behaviour"].at("kind") == "healthy");
}

TEST_CASE("integration: flapping alternates between its two behaviours", "[camsim][integration]") {
  quiet_logs();
  running_fleet fleet{one_camera()};
  switch_to(fleet, R"({"kind": "flapping", "period_ms": 200, "a": "refuse", "b": "healthy"})");
  int refused = 0;
  int accepted = 0;
  // 20 connects 50 ms apart span five half-periods.
  for (int i = 0; i < 20; ++i) {
    raw_rtsp_client client;
    auto ec = client.connect(address, fleet.port_of("cam"), budget);
    if (ec == boost::asio::error::connection_refused)
      ++refused;
    else if (!ec)
      ++accepted;
    std::this_thread::sleep_for(50ms);
  }
  CHECK(refused > 0);
  CHECK(accepted > 0);
  CHECK(refused + accepted == 20);
}

TEST_CASE("integration: the timeline changes behaviour at its offset", "[camsim][integration]") {
  quiet_logs();
  auto start = steady_clock::now();
  running_fleet fleet{one_camera(R"(, "timeline": [{"at_ms": 300, "camera": "cam",
                                     "behaviour": {"kind": "slow", "delay_ms": 7}}])")};
  // Bounded poll: the change is due 300 ms after start.
  auto deadline = steady_clock::now() + budget;
  boost::json::object cam = fleet.camera("cam");
  while (cam["behaviour"].at("kind") != "slow" && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    cam = fleet.camera("cam");
  }
  CHECK(cam["behaviour"].at("kind") == "slow");
  CHECK(cam["behaviour"].at("delay_ms") == 7);
  CHECK(steady_clock::now() - start >= 300ms);
}
