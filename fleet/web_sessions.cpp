#include "fleet/web_sessions.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <sys/random.h>

namespace camfleet {

namespace {

bool equal_in_constant_time(const std::string& a, const std::string& b) {
  if (a.size() != b.size())
    return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  return difference == 0;
}

} // namespace

web_sessions::web_sessions(std::chrono::seconds lifetime, std::size_t capacity)
  : lifetime_(lifetime), capacity_(std::max<std::size_t>(capacity, 1)) {}

std::string web_sessions::open() {
  std::array<unsigned char, 32> bytes{};
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    auto n = getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n < 0)
      throw std::runtime_error("the kernel gave no random bytes for a login session");
    filled += static_cast<std::size_t>(n);
  }
  static const char digits[] = "0123456789abcdef";
  std::string id;
  for (auto byte : bytes) {
    id += digits[byte >> 4];
    id += digits[byte & 0xf];
  }

  std::lock_guard<std::mutex> guard{mutex_};
  auto now = now_();
  drop_expired(now);
  // Oldest first in the vector: past the capacity the oldest login goes.
  if (sessions_.size() >= capacity_)
    sessions_.erase(sessions_.begin());
  sessions_.push_back({id, now + lifetime_});
  return id;
}

bool web_sessions::valid(const std::string& id) {
  if (id.empty())
    return false;
  std::lock_guard<std::mutex> guard{mutex_};
  drop_expired(now_());
  bool found = false;
  // Every session is compared, so that the time taken tells nothing of
  // which one came closest.
  for (const auto& s : sessions_)
    found |= equal_in_constant_time(s.id, id);
  return found;
}

void web_sessions::close(const std::string& id) {
  std::lock_guard<std::mutex> guard{mutex_};
  sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(),
                                 [&](const session& s) { return s.id == id; }),
                  sessions_.end());
}

void web_sessions::drop_expired(clock::time_point now) {
  sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(),
                                 [&](const session& s) { return s.expires <= now; }),
                  sessions_.end());
}

} // namespace camfleet
