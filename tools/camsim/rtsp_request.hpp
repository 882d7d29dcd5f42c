// An incremental parser for what an RTSP client sends on its TCP connection:
// requests (RFC 2326, section 6) and, once RTP runs interleaved on the same
// connection, "$"-framed binary packets (RTCP receiver reports, section 10.12).
//
// Bytes arrive in arbitrary pieces (a request split over reads, several
// requests in one read), so the parser buffers and hands out one complete
// message at a time. It never buffers more than its limits: a client that
// sends an endless header is cut off instead of growing camsim's memory.

#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace camfleet::camsim {

struct rtsp_request {
  std::string method;
  std::string uri;
  std::string version;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// The first header named `name` (case-insensitive), without surrounding blanks.
  std::optional<std::string_view> header(std::string_view name) const;
  /// The CSeq header as a number; nothing when absent or not a number.
  std::optional<std::uint32_t> cseq() const;
};

/// One "$" frame: channel and payload (RTCP on the odd channel of a pair).
struct interleaved_frame {
  std::uint8_t channel = 0;
  std::string payload;
};

enum class parse_error {
  /// The first line is not "METHOD URI RTSP/x.y".
  malformed_request_line,
  /// A header line without a name and a colon.
  malformed_header,
  /// Content-Length is not a number.
  malformed_content_length,
  /// The header section or the body is larger than the limits allow.
  too_large,
};

const char* to_string(parse_error error);

struct parser_limits {
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_headers = 64;
  std::size_t max_body_bytes = 64 * 1024;
};

/// Nothing complete yet: feed more bytes.
struct need_more {};

using parse_result = std::variant<need_more, rtsp_request, interleaved_frame, parse_error>;

class rtsp_request_parser {
 public:
  explicit rtsp_request_parser(parser_limits limits = {});

  /// Appends bytes read from the connection.
  void feed(std::string_view bytes);

  /// The next complete message, need_more, or an error. After an error the
  /// stream cannot be resynchronised: every later call returns the same error.
  parse_result next();

  /// Bytes received but not yet handed out.
  std::size_t buffered() const noexcept { return buffer_.size() - offset_; }

 private:
  parse_result fail(parse_error error);
  parse_result parse_request(std::string_view pending);

  parser_limits limits_;
  std::string buffer_;
  std::size_t offset_ = 0;
  std::optional<parse_error> error_;
};

} // namespace camfleet::camsim
