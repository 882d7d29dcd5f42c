#include "tools/camsim/session_table.hpp"

#include <catch2/catch.hpp>

using namespace camfleet::camsim;
using namespace std::chrono_literals;

// The table takes time as an argument: these tests step a fake clock.
TEST_CASE("unit: the session table refuses sessions past its limit", "[camsim]") {
  session_table table{2, 15s};
  steady_time t0{};
  CHECK(table.open("a", t0));
  CHECK(table.open("b", t0));
  CHECK_FALSE(table.open("c", t0));
  CHECK(table.active() == 2);
  CHECK(table.high_water() == 2);
  SECTION("an id in use cannot be opened twice") {
    CHECK(table.close("b"));
    CHECK_FALSE(table.open("a", t0));
  }
}

TEST_CASE("unit: a session without keep-alive expires after its timeout", "[camsim]") {
  session_table table{1, 15s};
  steady_time t0{};
  REQUIRE(table.open("leaked", t0));

  SECTION("closing nothing keeps the slot until the timeout") {
    CHECK(table.expire(t0 + 14999ms).empty());
    CHECK_FALSE(table.open("next", t0 + 14999ms));
    CHECK(table.expire(t0 + 15s) == std::vector<std::string>{"leaked"});
    CHECK(table.active() == 0);
    CHECK(table.open("next", t0 + 15s));
  }
  SECTION("a keep-alive restarts the timeout") {
    CHECK(table.touch("leaked", t0 + 10s));
    CHECK(table.expire(t0 + 20s).empty());
    CHECK(table.expire(t0 + 25s).size() == 1);
    CHECK_FALSE(table.touch("leaked", t0 + 26s));
  }
  SECTION("a keep-alive from the past does not shorten the session") {
    CHECK(table.touch("leaked", t0 + 10s));
    CHECK(table.touch("leaked", t0 + 5s));
    CHECK(table.expire(t0 + 24s).empty());
  }
}

TEST_CASE("unit: TEARDOWN frees the slot at once", "[camsim]") {
  session_table table{1, 60s};
  steady_time t0{};
  REQUIRE(table.open("s1", t0));
  CHECK(table.close("s1"));
  CHECK_FALSE(table.contains("s1"));
  CHECK(table.open("s2", t0 + 1s));
  SECTION("a second TEARDOWN finds nothing") {
    CHECK_FALSE(table.close("s1"));
  }
  CHECK(table.high_water() == 1);
}
