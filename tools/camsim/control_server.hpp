// The HTTP/1.1 transport of the control API (Boost.Beast), on a loopback port.

#pragma once

#include "tools/camsim/control_api.hpp"
#include "tools/camsim/loopback.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace camfleet::camsim {

class http_session;

class control_server {
 public:
  using handler = std::function<control_reply(const control_request&)>;

  control_server(boost::asio::io_context& io, loopback_endpoint where, handler handle);
  ~control_server();

  /// Binds and starts accepting; throws when the address cannot be bound.
  void start();

  /// Closes the listener and every open HTTP connection.
  void stop();

  std::uint16_t port() const noexcept { return port_; }

  /// Called by a session when it ends.
  void forget(std::uint64_t session_id);
  const handler& handle() const noexcept { return handle_; }

 private:
  void accept();

  boost::asio::io_context& io_;
  loopback_endpoint where_;
  handler handle_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::uint16_t port_ = 0;
  std::uint64_t next_session_id_ = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<http_session>> sessions_;
};

} // namespace camfleet::camsim
