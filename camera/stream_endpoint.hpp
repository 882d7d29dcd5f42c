// Where a camera's stream is and how long each step of a capture may take.

#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace camfleet {

/// The RTSP address of one camera stream. `host` is always an IP literal: a
/// host name would need getaddrinfo, which no interrupt callback can cut short.
struct stream_endpoint {
  std::string host;
  std::uint16_t port = 554;
  /// Tapo main stream; Hikvision uses /Streaming/Channels/101, Dahua
  /// /cam/realmonitor?channel=1&subtype=0.
  std::string path = "/stream1";
  /// Tried once when `path` answers 404 (for example a sub stream).
  std::string fallback_path;
  std::string username;
  /// Never logged, never written; redact_credentials() removes it from text.
  std::string password;
};

/// Time limits of one capture. Each libav call checks them through its
/// interrupt callback, so none of them can be overrun by more than libav's
/// polling interval (100 ms).
struct capture_budget {
  /// TCP connect plus the RTSP handshake (OPTIONS, DESCRIBE, SETUP, PLAY).
  std::chrono::milliseconds connect{5000};
  /// From the start of the capture to a decoded key frame, connect included.
  std::chrono::milliseconds capture{15000};
  /// A fresh budget for TEARDOWN and close, granted even after a timeout or a
  /// cancel: without it libav skips the TEARDOWN and the camera keeps a stale
  /// session until its own timeout (the slot leak camfleet exists to prevent).
  std::chrono::milliseconds teardown{1000};
};

} // namespace camfleet
