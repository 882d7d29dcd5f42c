// The admin interface's HTTP transport: Boost.Beast on one thread of its own,
// outside CAF's scheduler.
//
// It reads one request at a time per connection, bounded in every dimension
// (header 8 KiB, body 64 KiB, 10 s to send a request, 128 connections: past
// that it stops accepting and callers wait in the listen backlog until one
// ends), hands it to fleet/admin_routes.hpp and writes the answer. A request
// that breaks a bound or is not HTTP gets a JSON error and the connection is
// closed.
//
// Routes ask the actors with a blocking request, on this thread: one slow
// answer (at most the routes' timeout) delays the requests behind it, never
// the actors, and the console's requests are few.

#pragma once

#include "fleet/admin_routes.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace camfleet {

class admin_server {
 public:
  /// Binds `address`:`port` (0 for a free port) at once, so that a taken
  /// port stops camfleetd before it contacts any camera; throws
  /// std::runtime_error naming the address when it cannot.
  admin_server(admin_context context, const std::string& address, std::uint16_t port);

  /// Stops serving and joins the thread.
  ~admin_server();

  admin_server(const admin_server&) = delete;
  admin_server& operator=(const admin_server&) = delete;

  /// The bound port (the system's pick when 0 was asked for).
  std::uint16_t port() const;

  /// Starts the server thread, asking `root` (the fleet root) every question.
  void start(caf::actor root);

  /// Closes the listener and every connection, then joins. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace camfleet
