// The RTSP sessions of one camera and the slots they hold.
//
// This is the mechanism behind the original incident: a camera has a fixed
// number of slots, and a session that is never torn down keeps its slot until
// the camera's session timeout passes without a keep-alive. Closing the TCP
// connection does not free it. The table takes the time as an argument so
// that tests can step it without waiting.

#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace camfleet::camsim {

using steady_time = std::chrono::steady_clock::time_point;

class session_table {
 public:
  session_table(std::size_t limit, std::chrono::milliseconds timeout);

  /// Takes a slot for a new session `id`; false when every slot is taken (or
  /// the id is already in use).
  bool open(const std::string& id, steady_time now);

  /// A keep-alive: any request naming the session, or RTCP on its
  /// connection. False when the session does not exist (any more).
  bool touch(std::string_view id, steady_time now);

  /// TEARDOWN: frees the slot. False when the session does not exist.
  bool close(std::string_view id);

  /// Frees every session whose last keep-alive is `timeout` or more before
  /// `now`, and returns their ids.
  std::vector<std::string> expire(steady_time now);

  bool contains(std::string_view id) const;
  std::size_t active() const noexcept { return last_seen_.size(); }
  std::size_t limit() const noexcept { return limit_; }
  std::chrono::milliseconds timeout() const noexcept { return timeout_; }
  /// The most sessions ever open at once.
  std::size_t high_water() const noexcept { return high_water_; }

 private:
  std::size_t limit_;
  std::chrono::milliseconds timeout_;
  std::unordered_map<std::string, steady_time> last_seen_;
  std::size_t high_water_ = 0;
};

} // namespace camfleet::camsim
