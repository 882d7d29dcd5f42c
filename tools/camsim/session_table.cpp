#include "tools/camsim/session_table.hpp"

#include <algorithm>

namespace camfleet::camsim {

session_table::session_table(std::size_t limit, std::chrono::milliseconds timeout)
  : limit_(limit), timeout_(timeout) {}

bool session_table::open(const std::string& id, steady_time now) {
  if (last_seen_.size() >= limit_ || last_seen_.count(id) != 0)
    return false;
  last_seen_.emplace(id, now);
  high_water_ = std::max(high_water_, last_seen_.size());
  return true;
}

bool session_table::touch(std::string_view id, steady_time now) {
  auto it = last_seen_.find(std::string{id});
  if (it == last_seen_.end())
    return false;
  it->second = std::max(it->second, now);
  return true;
}

bool session_table::close(std::string_view id) {
  return last_seen_.erase(std::string{id}) > 0;
}

std::vector<std::string> session_table::expire(steady_time now) {
  std::vector<std::string> expired;
  for (auto it = last_seen_.begin(); it != last_seen_.end();) {
    if (now - it->second >= timeout_) {
      expired.push_back(it->first);
      it = last_seen_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

bool session_table::contains(std::string_view id) const {
  return last_seen_.count(std::string{id}) != 0;
}

} // namespace camfleet::camsim
