// RTSP responses as camsim writes them, including the deliberately broken
// ones that the garbage behaviour sends.

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace camfleet::camsim {

struct rtsp_response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  rtsp_response& add(std::string name, std::string value);

  /// The status line, the headers in order, Content-Length when there is a
  /// body, the blank line and the body.
  std::string serialize() const;
};

/// The reason phrase of RFC 2326, section 7.1.1 ("Not Enough Bandwidth").
const char* reason_phrase(int status);

/// A response that echoes the request's CSeq, as every RTSP reply must.
rtsp_response make_response(int status, std::optional<std::string_view> cseq);

} // namespace camfleet::camsim
