#include "camera/failure.hpp"

#include <catch2/catch.hpp>

using namespace camfleet;

TEST_CASE("failure_kind: every name parses back to its kind", "[camera]") {
  for (int i = 0; i <= static_cast<int>(failure_kind::storage_error); ++i) {
    auto kind = static_cast<failure_kind>(i);
    auto parsed = failure_kind_from_string(to_string(kind));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == kind);
  }
  CHECK_FALSE(failure_kind_from_string("timeout").has_value());
}
