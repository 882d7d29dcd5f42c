#include "camera/redact.hpp"
#include "camera/rtsp_url.hpp"

#include <catch2/catch.hpp>

using namespace camfleet;

namespace {

bool holds(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("redact: the password goes in every form it is written", "[camera]") {
  const std::string password = "p@ss:w/rd";
  SECTION("raw, anywhere in the text") {
    auto text = redact_credentials("login p@ss:w/rd rejected", password);
    CHECK(text == "login *** rejected");
  }
  SECTION("percent-encoded with upper- or lower-case hex") {
    CHECK(redact_credentials("x p%40ss%3Aw%2Frd y", password) == "x *** y");
    CHECK(redact_credentials("x p%40ss%3aw%2frd y", password) == "x *** y");
  }
  SECTION("every occurrence") {
    CHECK(redact_credentials("p@ss:w/rd p@ss:w/rd", password) == "*** ***");
  }
}

TEST_CASE("redact: URL userinfo goes whatever the password", "[camera]") {
  SECTION("rtsp, rtsps, http and https, in any case") {
    CHECK(redact_credentials("open rtsp://admin:other@127.0.0.1:554/stream1 now", "") ==
          "open rtsp://***@127.0.0.1:554/stream1 now");
    CHECK(redact_credentials("rtsps://a:b@127.0.0.1/x", "") == "rtsps://***@127.0.0.1/x");
    CHECK(redact_credentials("http://a:b@127.0.0.1/x", "") == "http://***@127.0.0.1/x");
    CHECK(redact_credentials("HTTPS://a:b@127.0.0.1/x", "") == "HTTPS://***@127.0.0.1/x");
  }
  SECTION("a password with a raw '@' does not leave a piece behind") {
    CHECK(redact_credentials("rtsp://admin:p@ss@127.0.0.1/stream1", "") ==
          "rtsp://***@127.0.0.1/stream1");
  }
  SECTION("an IPv6 host stays readable") {
    CHECK(redact_credentials("rtsp://u:p@[::1]:8554/stream1", "") ==
          "rtsp://***@[::1]:8554/stream1");
  }
  SECTION("URLs without userinfo and other schemes stay as they are") {
    CHECK(redact_credentials("rtsp://127.0.0.1:554/a@b", "") == "rtsp://127.0.0.1:554/a@b");
    CHECK(redact_credentials("tcp://127.0.0.1:554?timeout=0", "") ==
          "tcp://127.0.0.1:554?timeout=0");
  }
}

TEST_CASE("redact: libav's messages keep their meaning but lose credentials", "[camera]") {
  SECTION("a status line has nothing to redact") {
    const std::string line = "method DESCRIBE failed: 453 Not Enough Bandwidth";
    CHECK(redact_credentials(line, "secret") == line);
  }
  SECTION("an Authorization header loses its value, Basic or Digest") {
    auto request = redact_credentials("DESCRIBE rtsp://127.0.0.1/stream1 RTSP/1.0\r\n"
                                      "CSeq: 3\r\n"
                                      "Authorization: Basic YWRtaW46c2VjcmV0\r\n"
                                      "authorization: Digest username=\"admin\", response=\"0f\"\n",
                                      "secret");
    CHECK(request == "DESCRIBE rtsp://127.0.0.1/stream1 RTSP/1.0\r\n"
                     "CSeq: 3\r\n"
                     "Authorization: ***\r\n"
                     "authorization: ***\n");
  }
  SECTION("the URL libav was given, inside libav's own words") {
    stream_endpoint endpoint;
    endpoint.host = "127.0.0.1";
    endpoint.username = "admin";
    for (std::string password : {"s3cr:t@pw", "100%", "a b/c?d#e", "plain"}) {
      endpoint.password = password;
      auto url = rtsp_url(endpoint, "/stream1");
      auto text =
          redact_credentials("[rtsp @ 0x55d0] Could not open " + url + ": refused", endpoint);
      INFO(text);
      CHECK_FALSE(holds(text, password));
      CHECK_FALSE(holds(text, percent_encode(password)));
      CHECK(holds(text, "rtsp://***@127.0.0.1:554/stream1"));
    }
  }
}
