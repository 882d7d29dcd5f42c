// H.264 over RTP (RFC 6184) as a camera sends it in packetization-mode 1:
// a NAL unit that fits travels alone (single NAL unit packet, section 5.6),
// a larger one is cut into FU-A fragments (section 5.8). Over RTSP's TCP
// connection every RTP packet is framed with '$', channel and length
// (RFC 2326, section 10.12).

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace camfleet::camsim {

/// Leaves room for the RTP header and the interleaving prefix inside the
/// 1500-byte Ethernet MTU that cameras packetise for even over TCP.
inline constexpr std::size_t default_max_payload = 1400;

/// The RTP payloads that carry one NAL unit (without start code): the NAL
/// itself, or FU-A fragments of at most `max_payload` bytes each.
std::vector<std::string> packetize_nal(std::string_view nal, std::size_t max_payload);

/// The payloads of one access unit, NAL after NAL.
std::vector<std::string> packetize_access_unit(const std::vector<std::string>& nals,
                                               std::size_t max_payload);

struct rtp_fields {
  std::uint8_t payload_type = 96;
  bool marker = false;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp_90k = 0;
  std::uint32_t ssrc = 0;
};

/// Appends '$', channel, length, the 12-byte RTP header and the payload.
void append_interleaved_rtp(std::string& out, std::uint8_t channel, const rtp_fields& fields,
                            std::string_view payload);

} // namespace camfleet::camsim
