#include "tools/camsim/loopback.hpp"

#include <stdexcept>

#include <catch2/catch.hpp>

using namespace camfleet::camsim;

TEST_CASE("unit: only 127.0.0.0/8 and ::1 count as loopback", "[camsim]") {
  using boost::asio::ip::make_address;
  CHECK(is_loopback(make_address("127.0.0.1")));
  CHECK(is_loopback(make_address("127.255.1.2")));
  CHECK(is_loopback(make_address("::1")));
  CHECK_FALSE(is_loopback(make_address("128.0.0.1")));
  CHECK_FALSE(is_loopback(make_address("0.0.0.0")));
  CHECK_FALSE(is_loopback(make_address("::")));
  CHECK_FALSE(is_loopback(make_address("::ffff:127.0.0.1")));
  CHECK_FALSE(is_loopback(make_address("192.168.1.20")));
}

TEST_CASE("unit: endpoints parse with and without brackets", "[camsim]") {
  auto v4 = parse_loopback_endpoint("127.1.125.19:8554");
  CHECK(v4.address.to_string() == "127.1.125.19");
  CHECK(v4.port == 8554);
  auto v6 = parse_loopback_endpoint("[::1]:0");
  CHECK(v6.address.to_string() == "::1");
  CHECK(to_string(v6.address, 554) == "[::1]:554");
  SECTION("and refuse what is not loopback or not an endpoint") {
    CHECK_THROWS_AS(parse_loopback_endpoint("0.0.0.0:80"), std::invalid_argument);
    CHECK_THROWS_AS(parse_loopback_endpoint("[fe80::1]:80"), std::invalid_argument);
    CHECK_THROWS_AS(parse_loopback_endpoint("127.0.0.1"), std::invalid_argument);
    CHECK_THROWS_AS(parse_loopback_endpoint("127.0.0.1:65536"), std::invalid_argument);
    CHECK_THROWS_AS(parse_loopback_endpoint("localhost:80"), std::invalid_argument);
  }
}
