// Fuzz target: camsim's incremental RTSP request parser
// (tools/camsim/rtsp_request.hpp). The input is what a client sends on one
// connection, cut into reads whose sizes come from the input's first bytes,
// so that requests split anywhere and several in one read are both tried.

#include "tools/camsim/rtsp_request.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

using namespace camfleet::camsim;

namespace {

// Small limits, so that too_large is reached by inputs of fuzzer size.
constexpr parser_limits fuzz_limits{512, 16, 2048};

// Takes every complete message out of the parser, checking what it hands out
// against the limits; false once the stream is in error.
bool drain(rtsp_request_parser& parser) {
  for (;;) {
    auto result = parser.next();
    if (std::holds_alternative<need_more>(result))
      return true;
    if (auto error = std::get_if<parse_error>(&result)) {
      // An error sticks: the stream cannot be resynchronised.
      auto again = parser.next();
      if (!std::holds_alternative<parse_error>(again) || std::get<parse_error>(again) != *error)
        std::abort();
      return false;
    }
    if (auto request = std::get_if<rtsp_request>(&result)) {
      if (request->method.empty() || request->uri.empty() ||
          request->headers.size() > fuzz_limits.max_headers + 1 ||
          request->body.size() > fuzz_limits.max_body_bytes)
        std::abort();
      (void)request->cseq();
      (void)request->header("Session");
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first two bytes choose the read sizes (1 to 256 bytes, alternating).
  std::size_t chunk[2] = {1, 1};
  if (size >= 2) {
    chunk[0] = std::size_t{data[0]} + 1;
    chunk[1] = std::size_t{data[1]} + 1;
    data += 2;
    size -= 2;
  }
  std::string_view stream{reinterpret_cast<const char*>(data), size};

  rtsp_request_parser parser{fuzz_limits};
  std::size_t pos = 0;
  for (int turn = 0; pos < stream.size(); turn ^= 1) {
    auto piece = stream.substr(pos, chunk[turn]);
    pos += piece.size();
    parser.feed(piece);
    if (!drain(parser))
      break;
    // What the parser holds never grows past one message plus one read.
    if (parser.buffered() > fuzz_limits.max_header_bytes + fuzz_limits.max_body_bytes + 256 + 4 &&
        parser.buffered() > 65535 + 4 + 256)
      std::abort();
  }
  return 0;
}
