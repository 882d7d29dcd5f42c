#include "tools/camsim/h264_clip.hpp"
#include "tools/camsim/rtp_packetizer.hpp"
#include "tools/camsim/sdp.hpp"

#include <catch2/catch.hpp>

extern "C" {
#include <libavutil/log.h>
}

using namespace camfleet::camsim;

namespace {

// A receiver's view of RFC 6184: rebuild NAL units from single-NAL and FU-A
// payloads, checking the start and end bits on the way.
std::vector<std::string> depacketize(const std::vector<std::string>& payloads) {
  std::vector<std::string> nals;
  bool in_fragment = false;
  for (const auto& payload : payloads) {
    REQUIRE(!payload.empty());
    auto type = static_cast<unsigned char>(payload[0]) & 0x1f;
    if (type != 28) {
      REQUIRE_FALSE(in_fragment);
      nals.push_back(payload);
      continue;
    }
    REQUIRE(payload.size() > 2);
    auto fu_header = static_cast<unsigned char>(payload[1]);
    bool start = fu_header & 0x80;
    bool end = fu_header & 0x40;
    REQUIRE(start != in_fragment);
    if (start) {
      auto header =
          static_cast<char>((static_cast<unsigned char>(payload[0]) & 0xe0) | (fu_header & 0x1f));
      nals.emplace_back(1, header);
    }
    nals.back() += payload.substr(2);
    in_fragment = !end;
  }
  REQUIRE_FALSE(in_fragment);
  return nals;
}

std::string pseudo_nal(std::size_t size, unsigned char header) {
  std::string nal(size, '\0');
  nal[0] = static_cast<char>(header);
  for (std::size_t i = 1; i < size; ++i)
    nal[i] = static_cast<char>((i * 131 + 7) & 0xff);
  return nal;
}

} // namespace

TEST_CASE("unit: a small NAL unit travels as a single NAL unit packet", "[camsim]") {
  auto nal = pseudo_nal(100, 0x41);
  auto payloads = packetize_nal(nal, 1400);
  REQUIRE(payloads.size() == 1);
  CHECK(payloads[0] == nal);
}

TEST_CASE("unit: FU-A fragments reassemble to the NAL unit", "[camsim]") {
  // An IDR slice (NRI 3, type 5) of 5000 bytes in 1400-byte payloads.
  auto nal = pseudo_nal(5000, 0x65);
  auto payloads = packetize_nal(nal, 1400);
  REQUIRE(payloads.size() == 4);
  for (const auto& payload : payloads) {
    CHECK(payload.size() <= 1400);
    CHECK((static_cast<unsigned char>(payload[0]) & 0x1f) == 28);
    CHECK((static_cast<unsigned char>(payload[0]) & 0x60) == 0x60); // NRI kept
    CHECK((static_cast<unsigned char>(payload[1]) & 0x1f) == 5);
  }
  CHECK(depacketize(payloads) == std::vector<std::string>{nal});

  SECTION("a NAL one byte over the limit needs two fragments") {
    auto edge = pseudo_nal(1401, 0x41);
    auto parts = packetize_nal(edge, 1400);
    CHECK(parts.size() == 2);
    CHECK(depacketize(parts) == std::vector<std::string>{edge});
  }
}

TEST_CASE("unit: an access unit keeps its NAL units in order", "[camsim]") {
  std::vector<std::string> nals{pseudo_nal(20, 0x67), pseudo_nal(6, 0x68), pseudo_nal(3000, 0x65)};
  CHECK(depacketize(packetize_access_unit(nals, 1000)) == nals);
}

TEST_CASE("unit: interleaved RTP carries the header fields", "[camsim]") {
  std::string out;
  rtp_fields fields;
  fields.marker = true;
  fields.sequence = 0xfffe;
  fields.timestamp_90k = 0x01020304;
  fields.ssrc = 0xcafebabe;
  append_interleaved_rtp(out, 2, fields, "xyz");
  REQUIRE(out.size() == 4 + 12 + 3);
  CHECK(out.substr(0, 4) == std::string("$\x02\x00\x0f", 4));
  CHECK(static_cast<unsigned char>(out[4]) == 0x80);
  CHECK(static_cast<unsigned char>(out[5]) == (0x80 | 96));
  CHECK(out.substr(6, 2) == "\xff\xfe");
  CHECK(out.substr(8, 4) == "\x01\x02\x03\x04");
  CHECK(out.substr(12, 4) == "\xca\xfe\xba\xbe");
  CHECK(out.substr(16) == "xyz");
}

TEST_CASE("unit: Annex B streams split into NAL units and access units", "[camsim]") {
  std::string stream;
  stream += std::string("\x00\x00\x00\x01\x67\x42\x00", 7); // SPS, 4-byte start code
  stream += std::string("\x00\x00\x01\x68\xce", 5);         // PPS
  stream += std::string("\x00\x00\x01\x65\x88\x10", 6);     // IDR, first_mb 0
  stream += std::string("\x00\x00\x01\x41\x9a\x01", 6);     // P slice, first_mb 0
  stream += std::string("\x00\x00\x01\x41\x20\x02", 6);     // P slice, first_mb > 0
  auto nals = split_annex_b(stream);
  REQUIRE(nals.size() == 5);
  CHECK(nals[0] == std::string("\x67\x42", 2)); // the zero before a start code is dropped
  CHECK(nals[2] == "\x65\x88\x10");
  auto units = group_access_units(nals);
  REQUIRE(units.size() == 2);
  CHECK(units[0].size() == 3);
  CHECK(units[1].size() == 2);
}

TEST_CASE("unit: an encoded clip loops whole key-frame intervals", "[camsim]") {
  av_log_set_level(AV_LOG_ERROR);
  stream_params params;
  params.width = 160;
  params.height = 96;
  params.fps = 10;
  params.key_frame_interval = 8;
  auto clip = encode_clip(params);
  // Two seconds at 10 fps in whole intervals of 8: 24 frames.
  REQUIRE(clip->frames.size() == 24);
  for (std::size_t i = 0; i < clip->frames.size(); ++i)
    CHECK(clip->frames[i].key == (i % 8 == 0));
  CHECK_FALSE(clip->sps.empty());
  CHECK_FALSE(clip->pps.empty());
  CHECK(depacketize(clip->frames[0].rtp_payloads) == clip->frames[0].nals);
  CHECK(h264_fmtp(*clip).find("sprop-parameter-sets=Z") != std::string::npos);
}
