#include "camera/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace camfleet {

std::chrono::milliseconds backoff_ceiling(const backoff_policy& policy,
                                          std::uint32_t consecutive_failures) {
  auto exponent = consecutive_failures > 0 ? consecutive_failures - 1 : 0;
  auto initial_ms = static_cast<double>(policy.initial.count());
  auto max_ms = static_cast<double>(policy.max.count());

  // Computed in floating point so that many failures saturate at the cap
  // instead of overflowing an integer.
  auto ceiling_ms = initial_ms * std::pow(std::max(policy.multiplier, 1.0), exponent);
  ceiling_ms = std::min(ceiling_ms, max_ms);
  return std::chrono::milliseconds{static_cast<std::int64_t>(ceiling_ms)};
}

std::chrono::milliseconds backoff_delay(const backoff_policy& policy,
                                        std::uint32_t consecutive_failures, std::mt19937_64& rng) {
  auto ceiling = backoff_ceiling(policy, consecutive_failures).count();
  std::uniform_int_distribution<std::int64_t> jitter{ceiling / 2, ceiling};
  return std::chrono::milliseconds{jitter(rng)};
}

} // namespace camfleet
