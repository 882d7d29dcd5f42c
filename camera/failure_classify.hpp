// Which failure_kind a failed libav call means.
//
// libav's error codes alone are not enough: an interrupted open returns
// AVERROR_INVALIDDATA, and RTSP 453 and 406 both come back as
// AVERROR_HTTP_OTHER_4XX. So the classification also looks at our own
// deadline and cancel flag, at the phase the capture was in, and at the last
// error line libav logged ("method DESCRIBE failed: 453 Not Enough Bandwidth").

#pragma once

#include "camera/failure.hpp"
#include "camera/snapshot_capture.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace camfleet {

/// What was known when a libav call failed.
struct failure_evidence {
  /// The negative AVERROR the call returned.
  int av_error = 0;
  /// The last error or warning line libav logged during this attempt.
  std::string_view last_log_line;
  capture_phase phase = capture_phase::connecting;
  /// Our deadline for the phase had passed when the call returned.
  bool deadline_passed = false;
  /// The owner's cancel flag was set when the call returned.
  bool cancelled = false;
};

/// Maps the evidence to a kind. Cancel wins over everything, then our
/// deadline (connect_timeout while connecting or negotiating, no_key_frame
/// later), then the error code, then the RTSP status in the log line.
failure_kind classify_failure(const failure_evidence& evidence);

/// The RTSP status code in a libav line such as
/// "method SETUP failed: 453 Not Enough Bandwidth", if there is one.
std::optional<int> rtsp_status_in_log_line(std::string_view line);

/// libav's text for an error code ("Connection refused").
std::string describe_av_error(int av_error);

} // namespace camfleet
