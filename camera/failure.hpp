// The closed set of ways a capture can fail.
//
// Every failure a camera, the network, libav or the disk can cause maps to one
// of these kinds, so that the patrol log, the metrics and the backoff policy
// speak one small vocabulary. Timeouts and cancellations are decided from our
// own deadline and cancel flag, never from libav's error code alone (libav
// reports an interrupted open as AVERROR_INVALIDDATA, for instance).

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace camfleet {

enum class failure_kind : std::uint8_t {
  /// TCP connect or the RTSP handshake did not finish within the connect budget.
  connect_timeout,
  /// The session was set up but no key frame arrived before the capture deadline.
  no_key_frame,
  /// The camera actively refused the TCP connection (nothing listening).
  refused,
  /// No route to the camera (host or network unreachable).
  unreachable,
  /// The camera reset or closed the connection in the middle of the exchange.
  reset,
  /// The camera rejected our credentials (401 after authenticating, or 403).
  auth_failed,
  /// The camera has no free session slot (453 Not Enough Bandwidth, 406 Not
  /// Acceptable, 503): Tapo units allow one or two sessions.
  session_limit,
  /// The stream path does not exist on the camera (404).
  not_found,
  /// The camera answered something that is not valid RTSP, SDP or RTP.
  protocol_error,
  /// A key frame arrived but could not be decoded or encoded to JPEG.
  decode_error,
  /// The owner cancelled the capture (patrol deadline, operator kick, shutdown).
  cancelled,
  /// The snapshot could not be written (directory missing, unwritable or full).
  storage_error,
};

/// The stable, lower-case name of a kind, as written in logs and the patrol log.
const char* to_string(failure_kind kind);

/// Parses a name produced by to_string(); nothing for an unknown name.
std::optional<failure_kind> failure_kind_from_string(std::string_view name);

/// A failure with what happened, in words an operator can act on. `detail`
/// never contains a credential: it is redacted before it is stored here.
struct capture_failure {
  failure_kind kind = failure_kind::protocol_error;
  std::string detail;
};

} // namespace camfleet
