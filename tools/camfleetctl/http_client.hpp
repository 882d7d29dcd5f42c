// camfleetctl's HTTP client: one request to camfleetd's admin interface,
// on Boost.Beast, bounded in time, with the answer's status and body.

#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace camfleet::ctl {

/// Where the daemon listens: from --url or CAMFLEET_URL, "http://HOST:PORT".
struct daemon_address {
  std::string host;
  std::string port;
};

/// Parses "http://127.0.0.1:8080" (a trailing "/" allowed); returns why
/// not, or "" on success. IPv6 hosts are bracketed: "http://[::1]:8080".
std::string parse_url(const std::string& url, daemon_address& out);

struct http_result {
  /// False when the daemon could not be reached or did not answer in time;
  /// `error` says what happened.
  bool reached = false;
  std::string error;
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

/// Sends `method` `target` with `body` (JSON, may be empty) and the bearer
/// token if not empty. The whole exchange is bounded by `timeout`; answers
/// larger than 64 MiB are refused.
http_result call(const daemon_address& address, const std::string& token, const std::string& method,
                 const std::string& target, const std::string& body = {},
                 std::chrono::milliseconds timeout = std::chrono::milliseconds{10000});

} // namespace camfleet::ctl
