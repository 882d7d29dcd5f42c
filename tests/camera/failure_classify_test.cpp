#include "camera/failure_classify.hpp"

#include <cerrno>

#include <catch2/catch.hpp>

extern "C" {
#include <libavutil/error.h>
}

using namespace camfleet;

namespace {

failure_kind classify(int av_error, capture_phase phase, std::string_view line = {},
                      bool deadline_passed = false, bool cancelled = false) {
  failure_evidence evidence;
  evidence.av_error = av_error;
  evidence.last_log_line = line;
  evidence.phase = phase;
  evidence.deadline_passed = deadline_passed;
  evidence.cancelled = cancelled;
  return classify_failure(evidence);
}

constexpr auto connecting = capture_phase::connecting;
constexpr auto negotiating = capture_phase::negotiating;
constexpr auto waiting = capture_phase::waiting_for_key_frame;
constexpr auto decoding = capture_phase::decoding;

} // namespace

TEST_CASE("classify: our cancel flag and deadline decide, not the error code", "[camera]") {
  SECTION("cancel wins over a passed deadline and any code") {
    CHECK(classify(AVERROR_INVALIDDATA, connecting, {}, true, true) == failure_kind::cancelled);
    CHECK(classify(AVERROR_EXIT, waiting, {}, false, true) == failure_kind::cancelled);
    CHECK(classify(AVERROR(ECONNREFUSED), connecting, {}, false, true) == failure_kind::cancelled);
  }
  SECTION("an interrupted open returns INVALIDDATA: a connect timeout") {
    CHECK(classify(AVERROR_INVALIDDATA, connecting, {}, true) == failure_kind::connect_timeout);
    CHECK(classify(AVERROR_INVALIDDATA, negotiating, {}, true) == failure_kind::connect_timeout);
  }
  SECTION("the socket timeout we configured counts as our deadline") {
    CHECK(classify(AVERROR(ETIMEDOUT), connecting) == failure_kind::connect_timeout);
    CHECK(classify(AVERROR(ETIMEDOUT), waiting) == failure_kind::no_key_frame);
  }
  SECTION("a deadline passed while waiting for a key frame: no key frame") {
    CHECK(classify(AVERROR_EXIT, waiting, {}, true) == failure_kind::no_key_frame);
  }
  SECTION("without cancel or deadline, AVERROR_EXIT is no timeout") {
    CHECK(classify(AVERROR_EXIT, connecting) == failure_kind::protocol_error);
  }
}

TEST_CASE("classify: socket errors", "[camera]") {
  CHECK(classify(AVERROR(ECONNREFUSED), connecting) == failure_kind::refused);
  CHECK(classify(AVERROR(EHOSTUNREACH), connecting) == failure_kind::unreachable);
  CHECK(classify(AVERROR(ENETUNREACH), connecting) == failure_kind::unreachable);
  CHECK(classify(AVERROR(ECONNRESET), negotiating) == failure_kind::reset);
  CHECK(classify(AVERROR(EPIPE), negotiating) == failure_kind::reset);
  CHECK(classify(AVERROR_EOF, waiting) == failure_kind::reset);
}

TEST_CASE("classify: RTSP statuses", "[camera]") {
  SECTION("401 and 403 are rejected credentials") {
    CHECK(classify(AVERROR_HTTP_UNAUTHORIZED, negotiating) == failure_kind::auth_failed);
    CHECK(classify(AVERROR_HTTP_FORBIDDEN, negotiating) == failure_kind::auth_failed);
  }
  SECTION("404 is a missing path") {
    CHECK(classify(AVERROR_HTTP_NOT_FOUND, negotiating) == failure_kind::not_found);
  }
  SECTION("453 and 406 share a code; the log line tells them from other 4xx") {
    CHECK(classify(AVERROR_HTTP_OTHER_4XX, negotiating,
                   "method DESCRIBE failed: 453 Not Enough Bandwidth") ==
          failure_kind::session_limit);
    CHECK(classify(AVERROR_HTTP_OTHER_4XX, negotiating,
                   "method SETUP failed: 406 Not Acceptable") == failure_kind::session_limit);
    CHECK(classify(AVERROR_HTTP_OTHER_4XX, negotiating, "method SETUP failed: 400 Bad Request") ==
          failure_kind::protocol_error);
    CHECK(classify(AVERROR_HTTP_OTHER_4XX, negotiating) == failure_kind::protocol_error);
  }
  SECTION("503 is a full camera, 500 a broken one") {
    CHECK(classify(AVERROR_HTTP_SERVER_ERROR, negotiating,
                   "method SETUP failed: 503 Service Unavailable") == failure_kind::session_limit);
    CHECK(classify(AVERROR_HTTP_SERVER_ERROR, negotiating,
                   "method SETUP failed: 500 Internal Server Error") ==
          failure_kind::protocol_error);
  }
  SECTION("a reason phrase without a parsable status still counts") {
    CHECK(classify(AVERROR_INVALIDDATA, negotiating, "camera says Not Enough Bandwidth") ==
          failure_kind::session_limit);
  }
  SECTION("a status in the line backs a generic code") {
    CHECK(classify(AVERROR_INVALIDDATA, negotiating, "method DESCRIBE failed: 401 Unauthorized") ==
          failure_kind::auth_failed);
  }
}

TEST_CASE("classify: garbage and undecodable pictures", "[camera]") {
  CHECK(classify(AVERROR_INVALIDDATA, negotiating) == failure_kind::protocol_error);
  CHECK(classify(AVERROR_INVALIDDATA, waiting) == failure_kind::protocol_error);
  CHECK(classify(AVERROR_STREAM_NOT_FOUND, negotiating) == failure_kind::protocol_error);
  CHECK(classify(AVERROR_INVALIDDATA, decoding) == failure_kind::decode_error);
  CHECK(classify(AVERROR(ENOMEM), decoding) == failure_kind::decode_error);
  CHECK(classify(AVERROR_ENCODER_NOT_FOUND, decoding) == failure_kind::decode_error);
}

TEST_CASE("classify: the RTSP status in a libav line", "[camera]") {
  CHECK(rtsp_status_in_log_line("method DESCRIBE failed: 453 Not Enough Bandwidth") == 453);
  CHECK(rtsp_status_in_log_line("method SETUP failed: 503") == 503);
  CHECK_FALSE(rtsp_status_in_log_line("method SETUP failed: 5").has_value());
  CHECK_FALSE(rtsp_status_in_log_line("failed: abc").has_value());
  CHECK_FALSE(rtsp_status_in_log_line("Connection refused").has_value());
}
