// The capture against GStreamer's RTSP server and against listeners that
// never answer, all on loopback. Each test case runs its own server on its own
// 127.x.y.z address, so cases may run in parallel.

#include "camera/av_log_bridge.hpp"
#include "camera/libav_ptr.hpp"
#include "camera/rtsp_input.hpp"
#include "camera/rtsp_url.hpp"
#include "camera/snapshot_capture.hpp"
#include "tests/support/log_capture.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/rtsp_test_server.hpp"
#include "tests/support/silent_listener.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>

using namespace camfleet;
using namespace std::chrono_literals;
using camfleet::test::free_tcp_port;
using camfleet::test::open_fd_count;
using camfleet::test::rtsp_test_server;
using clock_type = std::chrono::steady_clock;

namespace {

std::chrono::milliseconds since(clock_type::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
}

/// One GStreamer camera at `address` on a free port.
struct camera_under_test {
  std::string address;
  std::uint16_t port;
  std::string label;
  rtsp_test_server server;

  explicit camera_under_test(std::string addr, rtsp_test_server::options opts = {})
    : address(std::move(addr)), port(free_tcp_port(address)),
      label(rtsp_test_server::endpoint(address, port)),
      server(with_camera(std::move(opts), label)) {
    // nop
  }

  static rtsp_test_server::options with_camera(rtsp_test_server::options opts,
                                               const std::string& label) {
    opts.cameras.push_back(label);
    return opts;
  }

  stream_endpoint endpoint(std::string path = "/stream1") const {
    stream_endpoint result;
    result.host = address;
    result.port = port;
    result.path = std::move(path);
    return result;
  }
};

/// A budget short enough for tests, long enough for a loaded machine.
capture_budget test_budget() {
  capture_budget budget;
  budget.connect = 2000ms;
  budget.capture = 5000ms;
  budget.teardown = 1000ms;
  return budget;
}

const capture_failure& failure_of(const capture_result& result) {
  const auto* failure = std::get_if<capture_failure>(&result);
  if (failure == nullptr)
    FAIL("the capture succeeded where it should have failed");
  return *failure;
}

const snapshot& snapshot_of(const capture_result& result) {
  const auto* failure = std::get_if<capture_failure>(&result);
  if (failure != nullptr)
    FAIL("capture failed: " << to_string(failure->kind) << ": " << failure->detail);
  return std::get<snapshot>(result);
}

/// Decodes a JPEG with libav's own decoder, independently of the encoder.
std::pair<int, int> decoded_size(const std::vector<std::uint8_t>& jpeg) {
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG);
  REQUIRE(codec != nullptr);
  libav::codec_context_ptr ctx{avcodec_alloc_context3(codec)};
  REQUIRE(avcodec_open2(ctx.get(), codec, nullptr) == 0);
  libav::packet_ptr packet{av_packet_alloc()};
  REQUIRE(av_new_packet(packet.get(), static_cast<int>(jpeg.size())) == 0);
  std::copy(jpeg.begin(), jpeg.end(), packet->data);
  libav::frame_ptr frame{av_frame_alloc()};
  REQUIRE(avcodec_send_packet(ctx.get(), packet.get()) == 0);
  REQUIRE(avcodec_receive_frame(ctx.get(), frame.get()) == 0);
  return {frame->width, frame->height};
}

/// Hands a cancel request to another thread at the moment the capture enters
/// `trigger`, and holds the capture there until that thread has set the flag:
/// a cancel from another thread at a known point, without a race.
class canceller {
 public:
  explicit canceller(capture_phase trigger) : trigger_(trigger) {
    thread_ = std::thread{[this] {
      std::unique_lock<std::mutex> lock{mutex_};
      if (!changed_.wait_for(lock, 10s, [this] { return requested_; }))
        return;
      cancelled_at_ = clock_type::now();
      flag_.store(true);
      done_ = true;
      changed_.notify_all();
    }};
  }

  ~canceller() {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      requested_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  const std::atomic<bool>& flag() const { return flag_; }

  phase_observer observer() {
    return [this](capture_phase phase) {
      if (phase != trigger_)
        return;
      std::unique_lock<std::mutex> lock{mutex_};
      requested_ = true;
      changed_.notify_all();
      changed_.wait_for(lock, 5s, [this] { return done_; });
    };
  }

  clock_type::time_point cancelled_at() {
    std::lock_guard<std::mutex> guard{mutex_};
    return cancelled_at_;
  }

 private:
  capture_phase trigger_;
  std::atomic<bool> flag_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  bool requested_ = false;
  bool done_ = false;
  clock_type::time_point cancelled_at_{};
  std::thread thread_;
};

} // namespace

TEST_CASE("capture: a key frame from a real RTSP server becomes a 640x360 JPEG",
          "[camera][integration]") {
  camera_under_test camera{"127.77.1.1"};
  auto fds_before = open_fd_count();
  std::atomic<bool> cancel{false};
  std::vector<capture_phase> phases;
  auto start = clock_type::now();

  auto result = capture_snapshot("cam-ok", camera.endpoint(), test_budget(), cancel,
                                 [&](capture_phase phase) { phases.push_back(phase); });

  auto elapsed = since(start);
  const auto& shot = snapshot_of(result);
  WARN("capture took " << elapsed.count() << " ms, first frame after " << shot.time_to_frame.count()
                       << " ms");
  CHECK(shot.width == 640);
  CHECK(shot.height == 360);
  CHECK(shot.path == "/stream1");
  CHECK(shot.time_to_frame <= elapsed);
  CHECK(elapsed < 3000ms);
  REQUIRE(shot.jpeg.size() > 4);
  CHECK(shot.jpeg[0] == 0xFF);
  CHECK(shot.jpeg[1] == 0xD8);
  CHECK(decoded_size(shot.jpeg) == std::pair<int, int>{640, 360});
  CHECK(phases == std::vector<capture_phase>{capture_phase::connecting, capture_phase::negotiating,
                                             capture_phase::waiting_for_key_frame,
                                             capture_phase::decoding, capture_phase::tearing_down});
  CHECK(camera.server.wait_for(camera.label, "teardown", 1, rtsp_test_server::report_bound));
  CHECK(camera.server.wait_for(camera.label, "closed", 1, rtsp_test_server::report_bound));
  CHECK(open_fd_count() == fds_before);
}

TEST_CASE("capture: an IPv6 loopback camera works like an IPv4 one", "[camera][integration]") {
  camera_under_test camera{"::1"};
  std::atomic<bool> cancel{false};
  auto result = capture_snapshot("cam-v6", camera.endpoint(), test_budget(), cancel);
  const auto& shot = snapshot_of(result);
  CHECK(shot.width == 640);
  CHECK(camera.server.wait_for(camera.label, "teardown", 1, rtsp_test_server::report_bound));
}

TEST_CASE("capture: a wrong path yields not_found", "[camera][integration]") {
  camera_under_test camera{"127.77.2.1"};
  std::atomic<bool> cancel{false};
  auto result = capture_snapshot("cam-404", camera.endpoint("/nope"), test_budget(), cancel);
  const auto& failure = failure_of(result);
  CHECK(failure.kind == failure_kind::not_found);
  CHECK(failure.detail.find("404") != std::string::npos);
  CHECK(camera.server.wait_for(camera.label, "closed", 1, rtsp_test_server::report_bound));
}

TEST_CASE("capture: the fallback path rescues a wrong main path", "[camera][integration]") {
  camera_under_test camera{"127.77.3.1"};
  auto endpoint = camera.endpoint("/nope");
  endpoint.fallback_path = "/stream1";
  std::atomic<bool> cancel{false};
  auto result = capture_snapshot("cam-fallback", endpoint, test_budget(), cancel);
  const auto& shot = snapshot_of(result);
  CHECK(shot.path == "/stream1");
  CHECK(shot.width == 640);
  CHECK(camera.server.wait_for(camera.label, "closed", 2, rtsp_test_server::report_bound));
  CHECK(camera.server.counts_for(camera.label).connected == 2);
}

TEST_CASE("capture: a port with nothing listening yields refused", "[camera][integration]") {
  stream_endpoint endpoint;
  endpoint.host = "127.77.4.1";
  endpoint.port = free_tcp_port(endpoint.host);
  std::atomic<bool> cancel{false};
  auto start = clock_type::now();
  auto result = capture_snapshot("cam-refused", endpoint, test_budget(), cancel);
  CHECK(failure_of(result).kind == failure_kind::refused);
  CHECK(since(start) < 1000ms);
}

TEST_CASE("capture: a camera that accepts and never answers yields connect_timeout on time",
          "[camera][integration]") {
  const std::string address = "127.77.5.1";
  auto port = free_tcp_port(address);
  auto label = rtsp_test_server::endpoint(address, port);
  rtsp_test_server::options opts;
  opts.silent.push_back(label);
  rtsp_test_server server{opts};
  stream_endpoint endpoint;
  endpoint.host = address;
  endpoint.port = port;
  auto budget = test_budget();
  budget.connect = 700ms;
  auto fds_before = open_fd_count();
  std::atomic<bool> cancel{false};

  auto start = clock_type::now();
  auto result = capture_snapshot("cam-silent", endpoint, budget, cancel);
  auto elapsed = since(start);

  WARN("connect timeout after " << elapsed.count() << " ms for a " << budget.connect.count()
                                << " ms budget");
  CHECK(failure_of(result).kind == failure_kind::connect_timeout);
  CHECK(elapsed >= budget.connect);
  CHECK(elapsed <= budget.connect + 150ms);
  CHECK(open_fd_count() == fds_before);
  CHECK(server.wait_for(label, "closed", 1, rtsp_test_server::report_bound));
}

TEST_CASE("capture: a cancel while waiting for a key frame returns at once and tears down",
          "[camera][integration]") {
  camera_under_test camera{"127.77.6.1"};
  canceller cancel{capture_phase::waiting_for_key_frame};

  auto result = capture_snapshot("cam-cancel", camera.endpoint(), test_budget(), cancel.flag(),
                                 cancel.observer());
  auto latency = since(cancel.cancelled_at());

  WARN("returned " << latency.count() << " ms after the cancel");
  CHECK(failure_of(result).kind == failure_kind::cancelled);
  CHECK(latency < 200ms);
  CHECK(camera.server.wait_for(camera.label, "teardown", 1, rtsp_test_server::report_bound));
  CHECK(camera.server.wait_for(camera.label, "closed", 1, rtsp_test_server::report_bound));
}

TEST_CASE("capture: a cancel from another thread ends a hanging connect", "[camera][integration]") {
  camfleet::test::silent_listener listener{"127.77.7.1"};
  stream_endpoint endpoint;
  endpoint.host = listener.address();
  endpoint.port = listener.port();
  std::atomic<bool> cancel{false};
  clock_type::time_point cancelled_at;
  std::thread other{[&] {
    // Cancel once libav is connected and waiting for an answer to OPTIONS,
    // out of step with libav's 100 ms polling so the latency shows.
    if (listener.wait_for_accepted(1, 5s))
      std::this_thread::sleep_for(250ms);
    cancelled_at = clock_type::now();
    cancel.store(true);
  }};

  auto result = capture_snapshot("cam-hang", endpoint, test_budget(), cancel);
  auto returned_at = clock_type::now();
  other.join();

  auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(returned_at - cancelled_at);
  WARN("returned " << latency.count() << " ms after the cancel");
  CHECK(failure_of(result).kind == failure_kind::cancelled);
  CHECK(latency < 200ms);
  CHECK(listener.wait_for_open_connections(0, 3s));
}

TEST_CASE("capture: wrong credentials yield auth_failed", "[camera][integration]") {
  rtsp_test_server::options opts;
  opts.user = "admin";
  opts.password = "right";
  camera_under_test camera{"127.77.8.1", opts};
  auto endpoint = camera.endpoint();
  endpoint.username = "admin";
  endpoint.password = "wr@ng:pass";
  std::atomic<bool> cancel{false};
  auto result = capture_snapshot("cam-auth", endpoint, test_budget(), cancel);
  const auto& failure = failure_of(result);
  CHECK(failure.kind == failure_kind::auth_failed);
  CHECK(failure.detail.find("wr@ng") == std::string::npos);
  CHECK(failure.detail.find(percent_encode("wr@ng:pass")) == std::string::npos);
}

TEST_CASE("capture: a password with '@' and ':' works and is never logged",
          "[camera][integration]") {
  const std::string password = "s3cr:t@pw/x";
  auto method = GENERATE(as<std::string>{}, "digest", "basic");
  rtsp_test_server::options opts;
  opts.user = "admin";
  opts.password = password;
  opts.auth = method;
  camera_under_test camera{"127.77.9.1", opts};
  auto endpoint = camera.endpoint();
  endpoint.username = "admin";
  endpoint.password = password;
  std::atomic<bool> cancel{false};

  // Trace level: libav logs every request, Authorization headers included.
  test::log_capture logs;
  set_libav_log_level(libav_log_level::trace);
  auto good = capture_snapshot("cam-secret", endpoint, test_budget(), cancel);
  endpoint.path = "/nope";
  auto missing = capture_snapshot("cam-secret", endpoint, test_budget(), cancel);
  set_libav_log_level(libav_log_level::warning);

  INFO("auth " << method);
  CHECK(snapshot_of(good).width == 640);
  CHECK(failure_of(missing).kind == failure_kind::not_found);
  auto lines = logs.lines();
  CHECK(lines.size() > 10);
  CHECK(logs.contains("Authorization: ***"));
  for (const auto& secret : {password, percent_encode(password), std::string{"s3cr"}}) {
    INFO(secret);
    CHECK_FALSE(logs.contains(secret));
    CHECK(failure_of(missing).detail.find(secret) == std::string::npos);
  }
}

TEST_CASE("capture: a camera with no free session yields session_limit", "[camera][integration]") {
  rtsp_test_server::options opts;
  opts.max_sessions = 1;
  camera_under_test camera{"127.77.10.1", opts};
  std::atomic<bool> never{false};

  // Another client holds the only session, as a Tapo's own app would.
  rtsp_input holder{never, 1000ms};
  REQUIRE(holder.open(rtsp_url(camera.endpoint(), "/stream1"), clock_type::now() + 3s, 3s) == 0);

  std::atomic<bool> cancel{false};
  auto result = capture_snapshot("cam-full", camera.endpoint(), test_budget(), cancel);
  const auto& failure = failure_of(result);
  CHECK(failure.kind == failure_kind::session_limit);
  CHECK(failure.detail.find("503") != std::string::npos);

  holder.close();
  CHECK(camera.server.wait_for(camera.label, "teardown", 1, rtsp_test_server::report_bound));
}
