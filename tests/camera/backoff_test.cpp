#include "camera/backoff.hpp"

#include <catch2/catch.hpp>

using namespace camfleet;
using namespace std::chrono_literals;

TEST_CASE("backoff: the ceiling doubles up to the cap", "[camera]") {
  backoff_policy policy{1s, 30s, 2.0};
  CHECK(backoff_ceiling(policy, 1) == 1s);
  CHECK(backoff_ceiling(policy, 2) == 2s);
  CHECK(backoff_ceiling(policy, 5) == 16s);
  CHECK(backoff_ceiling(policy, 6) == 30s);
  CHECK(backoff_ceiling(policy, 1000) == 30s);
  // Zero failures is treated like the first one rather than a zero delay.
  CHECK(backoff_ceiling(policy, 0) == 1s);
}

TEST_CASE("backoff: delays stay within half the ceiling and the ceiling", "[camera]") {
  backoff_policy policy{2s, 300s, 2.0};
  std::mt19937_64 rng{42};
  for (std::uint32_t failures = 1; failures <= 12; ++failures) {
    auto ceiling = backoff_ceiling(policy, failures);
    auto lowest = ceiling;
    auto highest = 0ms;
    for (int i = 0; i < 500; ++i) {
      auto delay = backoff_delay(policy, failures, rng);
      REQUIRE(delay >= ceiling / 2);
      REQUIRE(delay <= ceiling);
      lowest = std::min(lowest, delay);
      highest = std::max(highest, delay);
    }
    // The jitter really spreads: 500 draws cover most of the range.
    CHECK(highest - lowest > ceiling / 4);
  }
}

TEST_CASE("backoff: a multiplier below one never shrinks the delay", "[camera]") {
  backoff_policy policy{4s, 60s, 0.5};
  CHECK(backoff_ceiling(policy, 3) == 4s);
}
