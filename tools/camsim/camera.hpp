// One simulated camera: its listener, its session slots, its counters and
// the behaviour it currently shows.
//
// Everything runs on the simulator's single io_context thread, so the state
// here needs no locks; the control API reads it from the same thread. A
// camera outlives its connections: stop() closes them before it goes away.

#pragma once

#include "tools/camsim/behaviour.hpp"
#include "tools/camsim/h264_clip.hpp"
#include "tools/camsim/scenario.hpp"
#include "tools/camsim/session_table.hpp"

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

namespace camfleet::camsim {

class rtsp_connection;

/// What a test reads to prove that a client cleaned up after itself. With
/// well-behaved clients, sessions_started == teardowns_received +
/// sessions_expired + active sessions at all times.
struct camera_stats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t open_connections = 0;
  std::uint64_t requests_received = 0;
  std::uint64_t sessions_started = 0;
  /// TEARDOWNs that ended a live session (a TEARDOWN answered 454 is not counted).
  std::uint64_t teardowns_received = 0;
  /// Sessions freed by their timeout, never torn down: leaks on the client side.
  std::uint64_t sessions_expired = 0;
  /// SETUPs answered 453 or 406.
  std::uint64_t refusals_sent = 0;
  /// Requests with credentials answered 401.
  std::uint64_t auth_failures = 0;
  /// Connections reset with SO_LINGER 0.
  std::uint64_t resets_sent = 0;
  std::uint64_t frames_sent = 0;
  /// Frames not sent because the client did not read fast enough.
  std::uint64_t frames_dropped = 0;
  std::uint64_t bytes_sent = 0;
};

class camera {
 public:
  camera(boost::asio::io_context& io, camera_config config, std::shared_ptr<const h264_clip> clip,
         std::uint64_t seed);
  ~camera();

  camera(const camera&) = delete;
  camera& operator=(const camera&) = delete;

  /// Binds the listener (unless the initial behaviour refuses); throws
  /// boost::system::system_error when the address cannot be bound.
  void start();

  /// Closes the listener and every connection. Sessions stay in the table.
  void stop();

  /// Switches behaviour now; open connections follow at their next event.
  void set_behaviour(behaviour next);

  /// The behaviour as configured (flapping included).
  const behaviour& configured_behaviour() const noexcept { return behaviour_; }

  /// The behaviour in force right now (one half of a flapping behaviour).
  const behaviour& behaviour_now() const;

  /// Expires sessions past their timeout and reopens a listener that could
  /// not be bound earlier. Called periodically by the simulator.
  void sweep(steady_time now);

  const camera_config& config() const noexcept { return config_; }
  const h264_clip& clip() const noexcept { return *clip_; }
  session_table& sessions() noexcept { return sessions_; }
  camera_stats& stats() noexcept { return stats_; }
  const camera_stats& stats() const noexcept { return stats_; }
  /// The port bound (the configured one, or the ephemeral one chosen for 0).
  std::uint16_t port() const noexcept { return port_; }
  /// When the camera started: the live stream's position is measured from here.
  steady_time started_at() const noexcept { return started_at_; }
  /// Moves the live stream's position forward by `ahead` (within its clip):
  /// the stream behaves as if the camera had started that much earlier.
  void advance_stream(std::chrono::milliseconds ahead) { started_at_ -= ahead; }

  std::string new_session_id();
  std::string new_nonce();
  std::uint32_t random32();

  /// Called by a connection when it closes, whatever the reason.
  void on_connection_closed(std::uint64_t connection_id);

  boost::json::object to_json() const;

 private:
  bool listener_wanted() const;
  void update_listener();
  void open_listener();
  void close_listener();
  void accept();
  void schedule_flap();

  boost::asio::io_context& io_;
  camera_config config_;
  std::shared_ptr<const h264_clip> clip_;
  std::mt19937_64 rng_;
  session_table sessions_;
  camera_stats stats_;
  behaviour behaviour_;
  steady_time behaviour_since_;
  steady_time started_at_;
  std::uint16_t port_ = 0;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_timer_;
  boost::asio::steady_timer flap_timer_;
  bool stopped_ = true;
  std::uint64_t next_connection_id_ = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<rtsp_connection>> connections_;
};

} // namespace camfleet::camsim
