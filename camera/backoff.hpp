// Exponential backoff with jitter for a camera that keeps failing.
//
// A sick camera must not be hammered every patrol (a Tapo that rejects logins
// after too many attempts gets worse), yet it must be retried soon after it
// recovers. The delay doubles per consecutive failure up to a cap; the jitter
// spreads out cameras that failed together, such as a whole subnet whose
// switch rebooted, so they do not all come back in the same instant.

#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace camfleet {

struct backoff_policy {
  /// Delay ceiling after the first failure.
  std::chrono::milliseconds initial{2000};
  /// No delay ever exceeds this.
  std::chrono::milliseconds max{300000};
  /// Growth of the ceiling per further consecutive failure.
  double multiplier = 2.0;
};

/// The largest delay after `consecutive_failures` failures in a row (at least
/// 1): min(max, initial * multiplier^(consecutive_failures - 1)).
std::chrono::milliseconds backoff_ceiling(const backoff_policy& policy,
                                          std::uint32_t consecutive_failures);

/// A delay drawn uniformly from [ceiling / 2, ceiling] ("equal jitter"): the
/// lower half keeps a floor so a failing camera is never retried at once, the
/// upper half is spread at random.
std::chrono::milliseconds backoff_delay(const backoff_policy& policy,
                                        std::uint32_t consecutive_failures, std::mt19937_64& rng);

} // namespace camfleet
