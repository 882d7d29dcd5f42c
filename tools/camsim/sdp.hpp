// The session description a camera answers DESCRIBE with (RFC 4566), with the
// H.264 parameter sets in sprop-parameter-sets (RFC 6184, 8.1) so that a
// client can set up its decoder without probing the stream.

#pragma once

#include <string>

#include <boost/asio/ip/address.hpp>

namespace camfleet::camsim {

struct h264_clip;

struct sdp_options {
  std::string camera_id;
  boost::asio::ip::address address;
  /// Adds Tapo's "m=application/TP-LINK ..." line next to the video track:
  /// its media field is not a token followed by a port, so a strict SDP
  /// parser rejects the whole description.
  bool tplink_quirk = false;
};

/// The track's control URL, relative to the Content-Base of the DESCRIBE reply.
inline constexpr const char* video_track_control = "trackID=1";

std::string make_sdp(const h264_clip& clip, const sdp_options& options);

/// "42e01f;sprop-parameter-sets=Z0LgH9oC...,aM4G4g==" without the name of
/// the first attribute: the fmtp parameters taken from SPS and PPS.
std::string h264_fmtp(const h264_clip& clip);

} // namespace camfleet::camsim
