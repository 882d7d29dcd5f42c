#include "tools/camsim/rtsp_request.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace camfleet::camsim;

namespace {

rtsp_request expect_request(rtsp_request_parser& parser) {
  auto result = parser.next();
  REQUIRE(std::holds_alternative<rtsp_request>(result));
  return std::get<rtsp_request>(result);
}

parse_error expect_error(rtsp_request_parser& parser) {
  auto result = parser.next();
  REQUIRE(std::holds_alternative<parse_error>(result));
  return std::get<parse_error>(result);
}

bool needs_more(rtsp_request_parser& parser) {
  return std::holds_alternative<need_more>(parser.next());
}

const std::string describe = "DESCRIBE rtsp://127.1.125.19:8554/stream1 RTSP/1.0\r\n"
                             "CSeq: 2\r\n"
                             "User-Agent: Lavf59.27.100\r\n"
                             "Accept: application/sdp\r\n"
                             "\r\n";

} // namespace

TEST_CASE("unit: the parser reads a well-formed request", "[camsim]") {
  rtsp_request_parser parser;
  parser.feed(describe);
  auto request = expect_request(parser);
  CHECK(request.method == "DESCRIBE");
  CHECK(request.uri == "rtsp://127.1.125.19:8554/stream1");
  CHECK(request.version == "RTSP/1.0");
  CHECK(request.cseq() == 2u);
  SECTION("header names are case-insensitive and values trimmed") {
    CHECK(request.header("user-agent") == std::string_view{"Lavf59.27.100"});
    CHECK(request.header("ACCEPT") == std::string_view{"application/sdp"});
    CHECK_FALSE(request.header("Session"));
  }
  SECTION("nothing is left over") {
    CHECK(needs_more(parser));
    CHECK(parser.buffered() == 0);
  }
}

TEST_CASE("unit: the parser accepts bare LF line ends", "[camsim]") {
  rtsp_request_parser parser;
  parser.feed("OPTIONS * RTSP/1.0\nCSeq: 1\n\n");
  auto request = expect_request(parser);
  CHECK(request.method == "OPTIONS");
  CHECK(request.uri == "*");
}

TEST_CASE("unit: the parser hands out pipelined requests one by one", "[camsim]") {
  rtsp_request_parser parser;
  parser.feed("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n" + describe +
              "SET_PARAMETER rtsp://h/s RTSP/1.0\r\nCSeq: 3\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(expect_request(parser).cseq() == 1u);
  CHECK(expect_request(parser).cseq() == 2u);
  auto third = expect_request(parser);
  CHECK(third.cseq() == 3u);
  CHECK(third.body == "hello");
  CHECK(needs_more(parser));
}

TEST_CASE("unit: the parser waits for requests split over many reads", "[camsim]") {
  rtsp_request_parser parser;
  auto text = describe + "GET_PARAMETER rtsp://h/s RTSP/1.0\r\nCSeq: 3\r\nSession: 12ab\r\n"
                         "Content-Length: 10\r\n\r\nparameters";
  std::vector<rtsp_request> requests;
  SECTION("one byte at a time") {
    for (char c : text) {
      parser.feed(std::string_view{&c, 1});
      for (auto result = parser.next(); !std::holds_alternative<need_more>(result);
           result = parser.next()) {
        REQUIRE(std::holds_alternative<rtsp_request>(result));
        requests.push_back(std::get<rtsp_request>(result));
      }
    }
  }
  SECTION("split inside the blank line and inside the body") {
    auto cut1 = describe.size() - 1;
    auto cut2 = text.size() - 4;
    parser.feed(text.substr(0, cut1));
    CHECK(needs_more(parser));
    parser.feed(text.substr(cut1, cut2 - cut1));
    requests.push_back(expect_request(parser));
    CHECK(needs_more(parser));
    parser.feed(text.substr(cut2));
    requests.push_back(expect_request(parser));
  }
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].method == "DESCRIBE");
  CHECK(requests[1].header("Session") == std::string_view{"12ab"});
  CHECK(requests[1].body == "parameters");
}

TEST_CASE("unit: the parser separates interleaved RTCP from requests", "[camsim]") {
  rtsp_request_parser parser;
  std::string rtcp = "$\x01";
  rtcp += '\0';
  rtcp += '\x08';
  rtcp += std::string("\x81\xc9\x00\x01\xde\xad\xbe\xef", 8);
  parser.feed(rtcp + describe);
  auto first = parser.next();
  REQUIRE(std::holds_alternative<interleaved_frame>(first));
  CHECK(std::get<interleaved_frame>(first).channel == 1);
  CHECK(std::get<interleaved_frame>(first).payload.size() == 8);
  CHECK(expect_request(parser).method == "DESCRIBE");

  SECTION("a partial frame waits for the rest") {
    parser.feed(rtcp.substr(0, 6));
    CHECK(needs_more(parser));
    parser.feed(rtcp.substr(6));
    CHECK(std::holds_alternative<interleaved_frame>(parser.next()));
  }
}

TEST_CASE("unit: the parser refuses oversized requests", "[camsim]") {
  parser_limits limits;
  limits.max_header_bytes = 256;
  limits.max_body_bytes = 16;
  limits.max_headers = 4;
  rtsp_request_parser parser{limits};
  SECTION("a header section that never ends") {
    parser.feed("OPTIONS * RTSP/1.0\r\nX-Padding: " + std::string(300, 'a'));
    CHECK(expect_error(parser) == parse_error::too_large);
  }
  SECTION("too many headers") {
    std::string text = "OPTIONS * RTSP/1.0\r\n";
    for (int i = 0; i < 6; ++i)
      text += "X-H" + std::to_string(i) + ": v\r\n";
    parser.feed(text + "\r\n");
    CHECK(expect_error(parser) == parse_error::too_large);
  }
  SECTION("a body larger than allowed") {
    parser.feed("SET_PARAMETER * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 17\r\n\r\n");
    CHECK(expect_error(parser) == parse_error::too_large);
  }
  SECTION("a Content-Length that overflows") {
    parser.feed("SET_PARAMETER * RTSP/1.0\r\nContent-Length: 99999999999999999999999\r\n\r\n");
    CHECK(expect_error(parser) == parse_error::too_large);
  }
}

TEST_CASE("unit: the parser rejects malformed requests for good", "[camsim]") {
  rtsp_request_parser parser;
  SECTION("a request line without a version") {
    parser.feed("OPTIONS *\r\nCSeq: 1\r\n\r\n");
    CHECK(expect_error(parser) == parse_error::malformed_request_line);
  }
  SECTION("an HTTP request line") {
    parser.feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(expect_error(parser) == parse_error::malformed_request_line);
  }
  SECTION("a header without a colon") {
    parser.feed("OPTIONS * RTSP/1.0\r\nCSeq 1\r\n\r\n");
    CHECK(expect_error(parser) == parse_error::malformed_header);
  }
  SECTION("a folded header line") {
    parser.feed("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n continued\r\n\r\n");
    CHECK(expect_error(parser) == parse_error::malformed_header);
  }
  SECTION("a Content-Length that is not a number") {
    parser.feed("OPTIONS * RTSP/1.0\r\nContent-Length: 12abc\r\n\r\n");
    CHECK(expect_error(parser) == parse_error::malformed_content_length);
  }
  // Once out of step the byte stream cannot be trusted: the error sticks.
  parser.feed(describe);
  CHECK(std::holds_alternative<parse_error>(parser.next()));
}
