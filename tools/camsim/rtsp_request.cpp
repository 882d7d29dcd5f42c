#include "tools/camsim/rtsp_request.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace camfleet::camsim {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

// RFC 2326 tokens: printable ASCII without separators.
bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 32 && u < 127 &&
           std::string_view{"()<>@,;:\\\"/[]?={}"}.find(c) == std::string_view::npos;
  });
}

// The next line of `text` from `pos`, without its CRLF or bare LF; nothing when
// the line is not complete yet. `pos` moves past the line end.
std::optional<std::string_view> next_line(std::string_view text, std::size_t& pos) {
  auto end = text.find('\n', pos);
  if (end == std::string_view::npos)
    return std::nullopt;
  auto line = text.substr(pos, end - pos);
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  pos = end + 1;
  return line;
}

} // namespace

std::optional<std::string_view> rtsp_request::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (iequals(key, name))
      return std::string_view{value};
  return std::nullopt;
}

std::optional<std::uint32_t> rtsp_request::cseq() const {
  auto text = header("CSeq");
  if (!text)
    return std::nullopt;
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size())
    return std::nullopt;
  return value;
}

const char* to_string(parse_error error) {
  switch (error) {
  case parse_error::malformed_request_line:
    return "malformed request line";
  case parse_error::malformed_header:
    return "malformed header line";
  case parse_error::malformed_content_length:
    return "malformed Content-Length";
  case parse_error::too_large:
    break;
  }
  return "request too large";
}

rtsp_request_parser::rtsp_request_parser(parser_limits limits) : limits_(limits) {}

void rtsp_request_parser::feed(std::string_view bytes) {
  // Drop what was handed out before growing, so the buffer stays near the
  // size of one message however long the connection lives.
  if (offset_ > 0 && offset_ >= buffer_.size() / 2) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(bytes);
}

parse_result rtsp_request_parser::fail(parse_error error) {
  error_ = error;
  return error;
}

parse_result rtsp_request_parser::next() {
  if (error_)
    return *error_;

  // Empty lines between messages are allowed (RFC 2326, section 15.1).
  while (offset_ < buffer_.size() && (buffer_[offset_] == '\r' || buffer_[offset_] == '\n'))
    ++offset_;
  std::string_view pending{buffer_.data() + offset_, buffer_.size() - offset_};
  if (pending.empty())
    return need_more{};

  // Interleaved binary data: '$', channel, 16-bit length, payload.
  if (pending.front() == '$') {
    if (pending.size() < 4)
      return need_more{};
    auto length = (static_cast<std::size_t>(static_cast<unsigned char>(pending[2])) << 8) |
                  static_cast<unsigned char>(pending[3]);
    if (pending.size() < 4 + length)
      return need_more{};
    interleaved_frame frame;
    frame.channel = static_cast<std::uint8_t>(pending[1]);
    frame.payload.assign(pending.substr(4, length));
    offset_ += 4 + length;
    return frame;
  }
  return parse_request(pending);
}

parse_result rtsp_request_parser::parse_request(std::string_view pending) {
  // Find the end of the header section before looking at anything else, so a
  // partial request costs nothing but the wait.
  std::size_t pos = 0;
  std::optional<std::string_view> line;
  std::vector<std::string_view> lines;
  while ((line = next_line(pending, pos))) {
    if (line->empty())
      break;
    if (lines.size() > limits_.max_headers)
      return fail(parse_error::too_large);
    lines.push_back(*line);
  }
  if (!line) {
    if (pending.size() > limits_.max_header_bytes)
      return fail(parse_error::too_large);
    return need_more{};
  }
  if (pos > limits_.max_header_bytes)
    return fail(parse_error::too_large);
  auto header_bytes = pos;

  // Request line: METHOD SP URI SP RTSP/x.y
  rtsp_request request;
  auto first = lines.front();
  auto sp1 = first.find(' ');
  auto sp2 = first.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1)
    return fail(parse_error::malformed_request_line);
  request.method = first.substr(0, sp1);
  request.uri = trim(first.substr(sp1 + 1, sp2 - sp1 - 1));
  request.version = first.substr(sp2 + 1);
  if (!is_token(request.method) || request.uri.empty() ||
      request.uri.find(' ') != std::string::npos || request.version.rfind("RTSP/", 0) != 0)
    return fail(parse_error::malformed_request_line);

  // Headers. Folded continuation lines are obsolete and no camera client
  // sends them, so a line starting with a blank is an error.
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto colon = lines[i].find(':');
    if (colon == std::string_view::npos || colon == 0 || lines[i].front() == ' ' ||
        lines[i].front() == '\t' || !is_token(lines[i].substr(0, colon)))
      return fail(parse_error::malformed_header);
    request.headers.emplace_back(lines[i].substr(0, colon), trim(lines[i].substr(colon + 1)));
  }

  // Body, if Content-Length announces one.
  std::size_t body_bytes = 0;
  if (auto length = request.header("Content-Length")) {
    auto [end, ec] = std::from_chars(length->data(), length->data() + length->size(), body_bytes);
    if (length->empty() || ec == std::errc::result_out_of_range)
      return fail(ec == std::errc::result_out_of_range ? parse_error::too_large
                                                       : parse_error::malformed_content_length);
    if (ec != std::errc{} || end != length->data() + length->size())
      return fail(parse_error::malformed_content_length);
    if (body_bytes > limits_.max_body_bytes)
      return fail(parse_error::too_large);
  }
  if (pending.size() < header_bytes + body_bytes)
    return need_more{};
  request.body.assign(pending.substr(header_bytes, body_bytes));
  offset_ += header_bytes + body_bytes;
  return request;
}

} // namespace camfleet::camsim
