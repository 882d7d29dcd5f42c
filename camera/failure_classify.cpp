#include "camera/failure_classify.hpp"

#include <cctype>
#include <cerrno>
#include <string>

extern "C" {
#include <libavutil/error.h>
}

namespace camfleet {

namespace {

bool connect_phase(capture_phase phase) {
  return phase == capture_phase::connecting || phase == capture_phase::negotiating;
}

/// RTSP statuses with which a camera says that it has no session to spare.
bool is_session_limit_status(int status) {
  return status == 453 || status == 406 || status == 503;
}

/// Some firmware sends a reason phrase with a status libav cannot parse.
bool names_session_limit(std::string_view line) {
  static constexpr std::string_view phrases[] = {"Not Enough Bandwidth", "Not Acceptable",
                                                 "Service Unavailable"};
  for (auto phrase : phrases)
    if (line.find(phrase) != std::string_view::npos)
      return true;
  return false;
}

/// The kind for an RTSP status, when it tells one.
std::optional<failure_kind> kind_of_status(int status) {
  if (status == 401 || status == 403)
    return failure_kind::auth_failed;
  if (status == 404)
    return failure_kind::not_found;
  if (is_session_limit_status(status))
    return failure_kind::session_limit;
  return std::nullopt;
}

/// The kind for errno-style and libav-specific codes, when the code alone
/// tells it.
std::optional<failure_kind> kind_of_error_code(int av_error) {
  switch (av_error) {
  case AVERROR(ECONNREFUSED):
    return failure_kind::refused;
  case AVERROR(EHOSTUNREACH):
  case AVERROR(ENETUNREACH):
  case AVERROR(EHOSTDOWN):
  case AVERROR(ENETDOWN):
    return failure_kind::unreachable;
  case AVERROR(ECONNRESET):
  case AVERROR(ECONNABORTED):
  case AVERROR(EPIPE):
  case AVERROR_EOF:
    return failure_kind::reset;
  case AVERROR_HTTP_UNAUTHORIZED:
  case AVERROR_HTTP_FORBIDDEN:
    return failure_kind::auth_failed;
  case AVERROR_HTTP_NOT_FOUND:
    return failure_kind::not_found;
  default:
    return std::nullopt;
  }
}

} // namespace

failure_kind classify_failure(const failure_evidence& evidence) {
  if (evidence.cancelled)
    return failure_kind::cancelled;

  // The socket timeout (the demuxer's `timeout` option) is ours too.
  if (evidence.deadline_passed || evidence.av_error == AVERROR(ETIMEDOUT))
    return connect_phase(evidence.phase) ? failure_kind::connect_timeout
                                         : failure_kind::no_key_frame;

  if (evidence.phase == capture_phase::decoding)
    return failure_kind::decode_error;

  if (auto kind = kind_of_error_code(evidence.av_error))
    return *kind;

  // 453, 406 (both AVERROR_HTTP_OTHER_4XX) and 503 (AVERROR_HTTP_SERVER_ERROR)
  // differ only in the line libav logged.
  if (auto status = rtsp_status_in_log_line(evidence.last_log_line)) {
    if (auto kind = kind_of_status(*status))
      return *kind;
  } else if (names_session_limit(evidence.last_log_line)) {
    return failure_kind::session_limit;
  }

  return failure_kind::protocol_error;
}

std::optional<int> rtsp_status_in_log_line(std::string_view line) {
  static constexpr std::string_view marker = "failed: ";
  auto pos = line.find(marker);
  if (pos == std::string_view::npos)
    return std::nullopt;
  auto digits = line.substr(pos + marker.size(), 3);
  if (digits.size() != 3)
    return std::nullopt;
  int status = 0;
  for (char c : digits) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0)
      return std::nullopt;
    status = status * 10 + (c - '0');
  }
  if (status < 100 || status > 599)
    return std::nullopt;
  return status;
}

std::string describe_av_error(int av_error) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(av_error, text, sizeof(text)) < 0)
    return "libav error " + std::to_string(av_error);
  return text;
}

} // namespace camfleet
