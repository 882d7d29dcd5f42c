// The RTSP URL of a camera stream, for libav and for logs.

#pragma once

#include "camera/stream_endpoint.hpp"

#include <string>
#include <string_view>

namespace camfleet {

/// Percent-encodes everything but RFC 3986's unreserved characters
/// (A-Z a-z 0-9 - . _ ~), with upper-case hex digits. Tapo lets users pick
/// passwords with '@', ':' or '/', which would otherwise end the userinfo
/// early and send libav to the wrong host or path.
std::string percent_encode(std::string_view text);

/// `host` as it stands in a URL: an IPv6 literal gets brackets (once), an
/// IPv4 literal stays as it is.
std::string url_host(std::string_view host);

/// The URL libav opens: rtsp://user:password@host:port/path, with the user
/// name and password percent-encoded and left out when the user name is
/// empty. `path` gets a leading '/' when it lacks one. Contains the password:
/// never log it, log rtsp_display_url() instead.
std::string rtsp_url(const stream_endpoint& endpoint, std::string_view path);

/// The same URL with no userinfo at all, for logs and failure details.
std::string rtsp_display_url(const stream_endpoint& endpoint, std::string_view path);

} // namespace camfleet
