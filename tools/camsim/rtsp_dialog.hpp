// The RTSP side of one client connection: what a camera answers to each
// request, given its configuration, its session slots and its behaviour.
//
// The dialog decides and counts; it does no I/O. The connection sends what it
// returns, and starts or stops the stream when told to.

#pragma once

#include "tools/camsim/behaviour.hpp"
#include "tools/camsim/rtsp_request.hpp"
#include "tools/camsim/rtsp_response.hpp"
#include "tools/camsim/session_table.hpp"

#include <cstdint>
#include <string>

namespace camfleet::camsim {

class camera;

struct dialog_outcome {
  enum class action { none, start_streaming, stop_streaming, close_after_reply };
  /// The bytes to send; empty when nothing is to be sent.
  std::string reply;
  action next = action::none;
};

/// Where a client's RTP goes, fixed at SETUP and announced in PLAY's RTP-Info.
struct rtp_stream_state {
  std::uint8_t channel = 0;
  std::uint32_t ssrc = 0;
  std::uint16_t first_sequence = 0;
  std::uint32_t first_timestamp_90k = 0;
};

class rtsp_dialog {
 public:
  explicit rtsp_dialog(camera& owner);

  dialog_outcome handle(const rtsp_request& request, const behaviour& now_behaving,
                        steady_time now);

  /// The reply to bytes that are not RTSP; the connection closes after it.
  dialog_outcome reject(parse_error error);

  /// RTCP from the client keeps its session alive.
  void on_rtcp(steady_time now);

  /// The session this connection set up; empty before SETUP and after TEARDOWN.
  const std::string& session_id() const noexcept { return session_id_; }
  const rtp_stream_state& stream() const noexcept { return stream_; }

 private:
  bool authorized(const rtsp_request& request, const behaviour& now_behaving);
  bool path_matches(const std::string& uri, bool allow_track) const;
  rtsp_response options(const rtsp_request& request, steady_time now);
  rtsp_response describe(const rtsp_request& request, const behaviour& now_behaving);
  rtsp_response setup(const rtsp_request& request, const behaviour& now_behaving, steady_time now);
  rtsp_response play(const rtsp_request& request, dialog_outcome& outcome);
  rtsp_response teardown(const rtsp_request& request, dialog_outcome& outcome);
  rtsp_response parameter(const rtsp_request& request);
  std::string session_header() const;

  camera& camera_;
  std::string nonce_;
  std::string session_id_;
  std::string setup_uri_;
  rtp_stream_state stream_;
};

/// The URI without scheme, credentials, host and port: "/stream1?x=1". Bare
/// paths pass unchanged.
std::string uri_path(const std::string& uri);

/// The URI with any user:password@ replaced, safe to log.
std::string redact_uri(const std::string& uri);

/// Applies a garbage behaviour to a well-formed reply.
std::string garble(const rtsp_response& response, garbage_mode mode, bool is_describe);

} // namespace camfleet::camsim
