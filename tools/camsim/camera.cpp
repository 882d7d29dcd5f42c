#include "tools/camsim/camera.hpp"

#include "tools/camsim/loopback.hpp"
#include "tools/camsim/rtsp_connection.hpp"

#include <cassert>
#include <cstdio>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

namespace camfleet::camsim {

namespace {

using boost::asio::ip::tcp;

// After accept() fails (out of descriptors, typically), wait instead of
// spinning: the condition rarely clears within microseconds.
constexpr auto accept_retry_delay = std::chrono::milliseconds{100};

std::int64_t elapsed_ms(steady_time since, steady_time now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - since).count();
}

} // namespace

camera::camera(boost::asio::io_context& io, camera_config config,
               std::shared_ptr<const h264_clip> clip, std::uint64_t seed)
  : io_(io), config_(std::move(config)), clip_(std::move(clip)), rng_(seed),
    sessions_(config_.session_limit, std::chrono::seconds{config_.session_timeout_s}),
    behaviour_(config_.initial), behaviour_since_(std::chrono::steady_clock::now()),
    started_at_(behaviour_since_), port_(config_.port), acceptor_(io), accept_retry_timer_(io),
    flap_timer_(io) {
  assert(clip_ && !clip_->frames.empty());
}

camera::~camera() {
  stop();
}

void camera::start() {
  // The one check that keeps camsim off real networks; the scenario parser
  // checked already, but a camera_config can be built by hand too.
  if (!is_loopback(config_.address))
    throw std::invalid_argument("camera '" + config_.id + "': refusing to bind " +
                                config_.address.to_string() + ", outside loopback");
  stopped_ = false;
  started_at_ = std::chrono::steady_clock::now();
  behaviour_since_ = started_at_;
  if (listener_wanted()) {
    open_listener();
  } else {
    // A camera that starts refusing still needs its port known, so bind
    // once to learn it and close again.
    open_listener();
    close_listener();
  }
  schedule_flap();
}

void camera::stop() {
  stopped_ = true;
  accept_retry_timer_.cancel();
  flap_timer_.cancel();
  close_listener();
  auto connections = std::move(connections_);
  connections_.clear();
  for (auto& [id, weak] : connections)
    if (auto connection = weak.lock())
      connection->close();
}

void camera::set_behaviour(behaviour next) {
  spdlog::info("camera {}: behaviour {} -> {}", config_.id,
               boost::json::serialize(camsim::to_json(behaviour_)),
               boost::json::serialize(camsim::to_json(next)));
  behaviour_ = std::move(next);
  behaviour_since_ = std::chrono::steady_clock::now();
  update_listener();
  schedule_flap();
}

const behaviour& camera::behaviour_now() const {
  return behaviour_.at(elapsed_ms(behaviour_since_, std::chrono::steady_clock::now()));
}

void camera::sweep(steady_time now) {
  for (const auto& id : sessions_.expire(now)) {
    ++stats_.sessions_expired;
    spdlog::info("camera {}: session {} expired after {} s without keep-alive or TEARDOWN",
                 config_.id, id, config_.session_timeout_s);
  }
  if (!stopped_ && listener_wanted() != acceptor_.is_open())
    update_listener();
}

std::string camera::new_session_id() {
  // Tapo uses long decimal ids; hex of the same size is as opaque to clients.
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(rng_()));
  return text;
}

std::string camera::new_nonce() {
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(rng_()),
                static_cast<unsigned long long>(rng_()));
  return text;
}

std::uint32_t camera::random32() {
  return static_cast<std::uint32_t>(rng_());
}

void camera::on_connection_closed(std::uint64_t connection_id) {
  // Every connection calls this exactly once, also those stop() closes after
  // taking them out of the registry.
  connections_.erase(connection_id);
  assert(stats_.open_connections > 0);
  --stats_.open_connections;
}

boost::json::object camera::to_json() const {
  boost::json::object result;
  result["id"] = config_.id;
  result["subnet"] = config_.subnet;
  result["model"] = config_.model;
  result["family"] = camsim::to_string(config_.family);
  result["address"] = config_.address.to_string();
  result["port"] = port_;
  result["url"] = "rtsp://" + camsim::to_string(config_.address, port_) + config_.path;
  result["auth"] = camsim::to_string(config_.auth);
  result["session_limit"] = sessions_.limit();
  result["session_timeout_s"] = config_.session_timeout_s;
  result["listening"] = acceptor_.is_open();
  result["behaviour"] = camsim::to_json(behaviour_);
  result["behaviour_now"] = camsim::to_string(behaviour_now().kind);
  result["open_connections"] = stats_.open_connections;
  result["connections_accepted"] = stats_.connections_accepted;
  result["requests_received"] = stats_.requests_received;
  result["active_sessions"] = sessions_.active();
  result["session_high_water"] = sessions_.high_water();
  result["sessions_started"] = stats_.sessions_started;
  result["teardowns_received"] = stats_.teardowns_received;
  result["sessions_expired"] = stats_.sessions_expired;
  result["refusals_sent"] = stats_.refusals_sent;
  result["auth_failures"] = stats_.auth_failures;
  result["resets_sent"] = stats_.resets_sent;
  result["frames_sent"] = stats_.frames_sent;
  result["frames_dropped"] = stats_.frames_dropped;
  result["bytes_sent"] = stats_.bytes_sent;
  return result;
}

bool camera::listener_wanted() const {
  return behaviour_now().kind != behaviour_kind::refuse;
}

void camera::update_listener() {
  if (stopped_)
    return;
  if (!listener_wanted()) {
    close_listener();
    return;
  }
  if (acceptor_.is_open())
    return;
  try {
    open_listener();
  } catch (const boost::system::system_error& e) {
    // Someone else took the port while we refused; sweep() tries again.
    spdlog::warn("camera {}: cannot listen again on {}: {}", config_.id,
                 camsim::to_string(config_.address, port_), e.what());
  }
}

void camera::open_listener() {
  tcp::endpoint endpoint{config_.address, port_};
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  try {
    acceptor_.bind(endpoint);
    acceptor_.listen(boost::asio::socket_base::max_listen_connections);
  } catch (...) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    throw;
  }
  port_ = acceptor_.local_endpoint().port();
  spdlog::debug("camera {}: listening on {}", config_.id,
                camsim::to_string(config_.address, port_));
  accept();
}

void camera::close_listener() {
  if (!acceptor_.is_open())
    return;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  spdlog::debug("camera {}: listener closed", config_.id);
}

void camera::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open())
      return;
    if (ec) {
      spdlog::warn("camera {}: accept failed: {}", config_.id, ec.message());
      accept_retry_timer_.expires_after(accept_retry_delay);
      accept_retry_timer_.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec && acceptor_.is_open())
          accept();
      });
      return;
    }
    ++stats_.connections_accepted;

    // reset: answer the connect, then kill it with an RST at once.
    if (behaviour_now().kind == behaviour_kind::reset) {
      boost::system::error_code ignored;
      socket.set_option(boost::asio::socket_base::linger(true, 0), ignored);
      socket.close(ignored);
      ++stats_.resets_sent;
    } else {
      auto id = next_connection_id_++;
      auto connection = std::make_shared<rtsp_connection>(*this, std::move(socket), id);
      connections_.emplace(id, connection);
      ++stats_.open_connections;
      connection->start();
    }
    accept();
  });
}

void camera::schedule_flap() {
  flap_timer_.cancel();
  if (stopped_ || behaviour_.kind != behaviour_kind::flapping)
    return;

  // Wake at the next half-period boundary to open or close the listener.
  auto now = std::chrono::steady_clock::now();
  auto period = std::chrono::milliseconds{behaviour_.period_ms};
  auto elapsed = now - behaviour_since_;
  auto next = behaviour_since_ + (elapsed / period + 1) * period;
  flap_timer_.expires_at(next);
  flap_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec)
      return;
    spdlog::debug("camera {}: flapping to {}", config_.id, camsim::to_string(behaviour_now().kind));
    update_listener();
    schedule_flap();
  });
}

} // namespace camfleet::camsim
