#include "camera/rtsp_url.hpp"

#include <catch2/catch.hpp>

using namespace camfleet;

namespace {

stream_endpoint endpoint_with(std::string host, std::string user, std::string password) {
  stream_endpoint endpoint;
  endpoint.host = std::move(host);
  endpoint.port = 8554;
  endpoint.username = std::move(user);
  endpoint.password = std::move(password);
  return endpoint;
}

} // namespace

TEST_CASE("rtsp_url: percent-encoding keeps only unreserved characters", "[camera]") {
  SECTION("letters, digits and -._~ stay as they are") {
    CHECK(percent_encode("Abc-1.2_3~") == "Abc-1.2_3~");
  }
  SECTION("characters that end a userinfo are encoded") {
    CHECK(percent_encode("p@ss:w/rd") == "p%40ss%3Aw%2Frd");
    CHECK(percent_encode("a%b c?d#e") == "a%25b%20c%3Fd%23e");
  }
  SECTION("bytes of UTF-8 are encoded one by one, upper-case hex") {
    CHECK(percent_encode("\xC3\xA9") == "%C3%A9");
  }
  SECTION("nothing stays nothing") {
    CHECK(percent_encode("").empty());
  }
}

TEST_CASE("rtsp_url: builds the URL libav opens", "[camera]") {
  SECTION("a Tapo password with '@' and ':' cannot move the host") {
    auto endpoint = endpoint_with("127.0.0.1", "admin", "p@ss:1");
    CHECK(rtsp_url(endpoint, "/stream1") == "rtsp://admin:p%40ss%3A1@127.0.0.1:8554/stream1");
  }
  SECTION("no user name means no userinfo at all") {
    auto endpoint = endpoint_with("127.0.0.1", "", "ignored");
    CHECK(rtsp_url(endpoint, "/stream1") == "rtsp://127.0.0.1:8554/stream1");
  }
  SECTION("an IPv6 literal is bracketed once") {
    CHECK(rtsp_url(endpoint_with("::1", "u", "p"), "/stream1") == "rtsp://u:p@[::1]:8554/stream1");
    CHECK(rtsp_url(endpoint_with("[::1]", "u", "p"), "/stream1") ==
          "rtsp://u:p@[::1]:8554/stream1");
  }
  SECTION("a path without its leading slash gets one") {
    CHECK(rtsp_url(endpoint_with("127.0.0.1", "", ""), "stream2") ==
          "rtsp://127.0.0.1:8554/stream2");
  }
  SECTION("a Dahua path keeps its query") {
    CHECK(rtsp_url(endpoint_with("127.0.0.1", "", ""), "/cam/realmonitor?channel=1&subtype=0") ==
          "rtsp://127.0.0.1:8554/cam/realmonitor?channel=1&subtype=0");
  }
}

TEST_CASE("rtsp_url: the display form carries no credentials", "[camera]") {
  auto endpoint = endpoint_with("::1", "operator", "s3cret@x");
  auto shown = rtsp_display_url(endpoint, "/stream1");
  CHECK(shown == "rtsp://[::1]:8554/stream1");
  CHECK(shown.find("operator") == std::string::npos);
  CHECK(shown.find("s3cret") == std::string::npos);
}
