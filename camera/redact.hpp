// Removing credentials from text before it is logged or stored.
//
// libav writes the URL it opened into some of its messages and, at debug
// level, every RTSP request with its Authorization header. Everything camfleet
// logs or keeps about a capture passes through here first.

#pragma once

#include "camera/stream_endpoint.hpp"

#include <string>
#include <string_view>

namespace camfleet {

/// What stands where a credential was.
inline constexpr std::string_view redacted_marker = "***";

/// Returns `text` with "***" in place of:
/// - `password`, raw and percent-encoded (upper- and lower-case hex), anywhere;
/// - the userinfo (user:password@) of every rtsp://, rtsps://, http:// and
///   https:// URL, whatever password it holds;
/// - the value of every "Authorization:" header line (Basic carries the
///   password in base64, Digest the user name and a replayable response).
/// An empty password redacts URLs and headers only.
std::string redact_credentials(std::string_view text, std::string_view password);

/// The same with the endpoint's password.
std::string redact_credentials(std::string_view text, const stream_endpoint& endpoint);

} // namespace camfleet
