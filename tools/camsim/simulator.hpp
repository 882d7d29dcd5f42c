// The whole simulated fleet in one process: every camera, the control API
// and the scenario's timeline, on one io_context run by one thread.
//
// One thread is enough for 1,000 cameras (each is a listener and a few
// timers, not a thread), and it keeps every counter free of locks. The only
// calls allowed from another thread are stop() and the accessors documented
// as safe before run().

#pragma once

#include "tools/camsim/camera.hpp"
#include "tools/camsim/h264_clip.hpp"
#include "tools/camsim/loopback.hpp"
#include "tools/camsim/scenario.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace camfleet::camsim {

class control_server;

struct simulator_options {
  /// Where the control API listens; port 0 picks a free one.
  loopback_endpoint control{boost::asio::ip::make_address("127.0.0.1"), 0};
  /// Stop by itself after this long; run until stop() when unset.
  std::optional<std::chrono::milliseconds> duration;
  /// Seeds session ids, nonces, SSRCs; 0 draws one from std::random_device.
  std::uint64_t seed = 0;
  /// Start each camera's live stream at a random point of its clip. Cameras
  /// that share a clip otherwise send their key frames at the same instants,
  /// which real cameras, powered up at different times, never do; a client
  /// that captures many cameras at once would wait for them in lockstep.
  bool stagger_streams = false;
};

class simulator {
 public:
  simulator(scenario fleet, simulator_options options);
  ~simulator();

  simulator(const simulator&) = delete;
  simulator& operator=(const simulator&) = delete;

  /// Encodes the clips, binds every camera and the control API. Throws
  /// std::exception with a message naming what failed.
  void start();

  /// Runs the fleet on the calling thread until stop() or the duration ends.
  void run();

  /// Stops the fleet; safe from any thread and from signal handlers' posts.
  void stop();

  boost::asio::io_context& io() noexcept { return io_; }

  /// The control API's port; valid after start().
  std::uint16_t control_port() const noexcept;
  std::string control_address() const;

  /// Only on the io_context thread, or before run().
  camera* find(std::string_view id);
  const std::vector<std::unique_ptr<camera>>& cameras() const noexcept { return cameras_; }
  std::size_t clip_count() const noexcept { return clips_.size(); }
  std::chrono::milliseconds uptime() const;

 private:
  void sweep();
  void schedule_timeline();
  void shut_down();

  // Declared first so that it is destroyed last: cameras and connections
  // own sockets and timers that belong to it.
  boost::asio::io_context io_;
  scenario scenario_;
  simulator_options options_;
  clip_cache clips_;
  std::vector<std::unique_ptr<camera>> cameras_;
  std::unique_ptr<control_server> control_;
  boost::asio::steady_timer sweep_timer_;
  boost::asio::steady_timer timeline_timer_;
  boost::asio::steady_timer duration_timer_;
  boost::asio::steady_timer drain_timer_;
  std::size_t next_event_ = 0;
  steady_time started_at_;
  bool shut_down_ = false;
  std::atomic<bool> stop_requested_{false};
};

} // namespace camfleet::camsim
