#include "tools/camsim/rtp_packetizer.hpp"

#include <algorithm>

namespace camfleet::camsim {

namespace {

constexpr std::uint8_t fu_a_type = 28;

void put16(std::string& out, std::uint16_t value) {
  out += static_cast<char>(value >> 8);
  out += static_cast<char>(value & 0xff);
}

void put32(std::string& out, std::uint32_t value) {
  put16(out, static_cast<std::uint16_t>(value >> 16));
  put16(out, static_cast<std::uint16_t>(value & 0xffff));
}

} // namespace

std::vector<std::string> packetize_nal(std::string_view nal, std::size_t max_payload) {
  std::vector<std::string> payloads;
  if (nal.empty())
    return payloads;
  if (nal.size() <= max_payload) {
    payloads.emplace_back(nal);
    return payloads;
  }

  // FU-A: the NAL header's F and NRI bits go to the FU indicator, its type to
  // the FU header; the header byte itself is not repeated in the fragments.
  auto header = static_cast<std::uint8_t>(nal.front());
  auto indicator = static_cast<char>((header & 0xe0) | fu_a_type);
  auto type = static_cast<std::uint8_t>(header & 0x1f);
  auto chunk = max_payload - 2;
  auto rest = nal.substr(1);
  for (std::size_t pos = 0; pos < rest.size(); pos += chunk) {
    auto fu_header = type;
    if (pos == 0)
      fu_header |= 0x80; // start
    if (pos + chunk >= rest.size())
      fu_header |= 0x40; // end
    std::string payload;
    payload.reserve(max_payload);
    payload += indicator;
    payload += static_cast<char>(fu_header);
    payload.append(rest.substr(pos, chunk));
    payloads.push_back(std::move(payload));
  }
  return payloads;
}

std::vector<std::string> packetize_access_unit(const std::vector<std::string>& nals,
                                               std::size_t max_payload) {
  std::vector<std::string> payloads;
  for (const auto& nal : nals) {
    auto packets = packetize_nal(nal, max_payload);
    std::move(packets.begin(), packets.end(), std::back_inserter(payloads));
  }
  return payloads;
}

void append_interleaved_rtp(std::string& out, std::uint8_t channel, const rtp_fields& fields,
                            std::string_view payload) {
  out += '$';
  out += static_cast<char>(channel);
  put16(out, static_cast<std::uint16_t>(12 + payload.size()));
  out += static_cast<char>(0x80); // version 2, no padding, extension or CSRC
  out += static_cast<char>((fields.marker ? 0x80 : 0x00) | (fields.payload_type & 0x7f));
  put16(out, fields.sequence);
  put32(out, fields.timestamp_90k);
  put32(out, fields.ssrc);
  out.append(payload);
}

} // namespace camfleet::camsim
