// GStreamer's RTSP server (tools/rtsp_test_server.py) as a test fixture.

#pragma once

#include "tests/support/child_process.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace camfleet::test {

/// Starts tools/rtsp_test_server.py with Debian's /usr/bin/python3, waits for
/// it to be ready, and records what it reports per address: connections
/// opened and closed, TEARDOWNs received. Addresses are written as the script
/// writes them: "127.1.2.3:8554", "[::1]:8554". The destructor stops the
/// server (SIGTERM, then SIGKILL) and reaps it.
///
/// Every camera serves an H.264 640x360 15 fps test picture at /stream1, with
/// a key frame every 30 frames.
class rtsp_test_server {
 public:
  struct options {
    /// "ADDR:PORT" where a camera serves /stream1.
    std::vector<std::string> cameras;
    /// "ADDR:PORT" where a listener accepts and never answers.
    std::vector<std::string> silent;
    /// When not empty, every camera requires these credentials.
    std::string user;
    std::string password;
    /// "digest" (most Tapo firmware) or "basic".
    std::string auth = "digest";
    /// More sessions than this get 503 on SETUP; 0 for no limit.
    int max_sessions = 0;
    /// How long the script may take to bind everything.
    std::chrono::milliseconds ready_timeout{15000};
  };

  struct counts {
    int connected = 0;
    int closed = 0;
    int teardown = 0;
  };

  /// How long the server may take to report an event. It reports a client
  /// closed only after tearing down that client's media pipeline (an x264
  /// encoder), which took over 3 s once on a loaded 2-core CI machine. Tests
  /// use it to ask whether something happened at all; how fast camfleet
  /// releases is asserted from descriptor counts (tests/actors).
  static constexpr std::chrono::milliseconds report_bound{5000};

  /// Throws std::runtime_error when the server is not ready in time.
  explicit rtsp_test_server(options opts);

  ~rtsp_test_server();

  rtsp_test_server(const rtsp_test_server&) = delete;
  rtsp_test_server& operator=(const rtsp_test_server&) = delete;

  /// What happened at `address` so far.
  counts counts_for(const std::string& address) const;

  /// Waits up to `timeout` until `event` ("connected", "closed", "teardown")
  /// was reported at least `count` times for `address`.
  bool wait_for(const std::string& address, const std::string& event, int count,
                std::chrono::milliseconds timeout) const;

  /// Every line the server wrote after `ready`, in order.
  std::vector<std::string> events() const;

  /// "ADDR:PORT" for an address and a port, bracketing IPv6.
  static std::string endpoint(const std::string& address, std::uint16_t port);

 private:
  void read_events();
  int count_locked(const std::string& address, const std::string& event) const;

  std::unique_ptr<child_process> child_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<std::string> events_;
  std::map<std::string, std::map<std::string, int>> counts_;
  bool stopping_ = false;
  std::thread reader_;
};

} // namespace camfleet::test
