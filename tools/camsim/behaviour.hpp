// How a simulated camera misbehaves, as data that scenarios and the control
// API switch at run time.
//
// Each kind reproduces something a real camera did (docs: BRIEF, "How a full
// or sick camera answers"). A camera consults its behaviour at every event
// (accept, request, frame), so a change takes effect on open connections too.

#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/json/value.hpp>

namespace camfleet::camsim {

enum class behaviour_kind {
  /// Answers and streams like a working camera.
  healthy,
  /// Every reply and every frame is late by delay_ms (RTTs of 1.4 to 2.3 s
  /// were measured on the problem subnet).
  slow,
  /// Accepts TCP and reads, never answers and never streams.
  blackhole,
  /// Accepts, then resets the connection (SO_LINGER 0): "Connection reset by peer".
  reset,
  /// Closes the listener: connects get ECONNREFUSED, as from a rebooting camera.
  refuse,
  /// Answers every SETUP with 453 or 406, as Tapo does when its slots are taken.
  session_full,
  /// Streams `frames` frames after PLAY, then goes silent with the socket open.
  stall_after_play,
  /// Streams `frames` frames after PLAY, then closes the connection.
  drop_after,
  /// Streams only non-key frames: the client never gets a picture it can decode.
  no_key_frame,
  /// Sends malformed RTSP or SDP (see garbage_mode).
  garbage,
  /// Adds Tapo's malformed "m=application/TP-LINK" media line to the SDP.
  tplink_sdp,
  /// Answers 401 to every credential, as Tapo does for a while after too many logins.
  auth_rejected,
  /// Alternates between two behaviours every period_ms.
  flapping,
};

enum class garbage_mode {
  /// The status line is not RTSP.
  status_line,
  /// Header lines without a colon and an impossible Content-Length.
  headers,
  /// DESCRIBE answers 200 with a body that is not SDP.
  sdp,
};

const char* to_string(behaviour_kind kind);
std::optional<behaviour_kind> behaviour_kind_from_string(std::string_view name);
const char* to_string(garbage_mode mode);

/// One behaviour and its parameters; the parameters a kind does not use keep
/// their defaults and are not written to JSON.
struct behaviour {
  behaviour_kind kind = behaviour_kind::healthy;
  std::int64_t delay_ms = 0;
  std::int64_t frames = 0;
  int status = 453;
  garbage_mode garbage = garbage_mode::status_line;
  std::int64_t period_ms = 0;
  /// For flapping only: the two behaviours, neither of them flapping.
  std::shared_ptr<const behaviour> first;
  std::shared_ptr<const behaviour> second;

  /// The behaviour in force `elapsed_ms` after this one was set: itself, or for
  /// flapping one of its two halves.
  const behaviour& at(std::int64_t elapsed_ms) const;
};

/// Reads {"kind": "slow", "delay_ms": 2000} and the like, or a bare kind name
/// for kinds without parameters. Throws json_error located under `path`.
behaviour parse_behaviour(const boost::json::value& value, const std::string& path);

boost::json::value to_json(const behaviour& b);

} // namespace camfleet::camsim
