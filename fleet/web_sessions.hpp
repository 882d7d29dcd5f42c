// The browsers that logged in to the admin interface with its token.
//
// A browser cannot send the bearer token with an <img> request, so it
// exchanges the token once (POST /v1/login) for a session: a random value
// held here and in an HttpOnly, SameSite=Strict cookie. The token itself never
// reaches the browser's storage or a URL. Sessions live in memory only: a
// restart of camfleetd logs every browser out.

#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace camfleet {

class web_sessions {
 public:
  using clock = std::chrono::steady_clock;

  /// At most `capacity` sessions at once (the oldest goes first), each valid
  /// for `lifetime` after its login.
  explicit web_sessions(std::chrono::seconds lifetime = std::chrono::hours{12},
                        std::size_t capacity = 64);

  /// A new session: 32 random bytes from the kernel, in hex.
  std::string open();

  /// Whether `id` is a session opened here and not expired, closed or
  /// evicted. Compared in constant time per session.
  bool valid(const std::string& id);

  /// Ends the session `id`; nothing if there is none.
  void close(const std::string& id);

  std::chrono::seconds lifetime() const { return lifetime_; }

  /// The clock the expiry reads; tests move it.
  void set_clock_for_test(clock::time_point (*now)()) { now_ = now; }

 private:
  struct session {
    std::string id;
    clock::time_point expires;
  };

  void drop_expired(clock::time_point now);

  std::chrono::seconds lifetime_;
  std::size_t capacity_;
  clock::time_point (*now_)() = &clock::now;
  std::mutex mutex_;
  std::vector<session> sessions_;
};

} // namespace camfleet
