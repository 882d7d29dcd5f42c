#include "tools/camsim/sdp.hpp"

#include "tools/camsim/h264_clip.hpp"

#include <cstdint>
#include <cstdio>
#include <vector>

extern "C" {
#include <libavutil/base64.h>
}

namespace camfleet::camsim {

namespace {

std::string base64(const std::string& bytes) {
  std::vector<char> out(AV_BASE64_SIZE(bytes.size()));
  av_base64_encode(out.data(), static_cast<int>(out.size()),
                   reinterpret_cast<const std::uint8_t*>(bytes.data()),
                   static_cast<int>(bytes.size()));
  return out.data();
}

} // namespace

std::string h264_fmtp(const h264_clip& clip) {
  // profile-level-id: profile_idc, constraint flags and level_idc, the three
  // bytes after the SPS's NAL header.
  char profile[7] = "42e01f";
  if (clip.sps.size() >= 4)
    std::snprintf(profile, sizeof profile, "%02x%02x%02x", static_cast<unsigned char>(clip.sps[1]),
                  static_cast<unsigned char>(clip.sps[2]), static_cast<unsigned char>(clip.sps[3]));
  return "packetization-mode=1;profile-level-id=" + std::string{profile} +
         ";sprop-parameter-sets=" + base64(clip.sps) + "," + base64(clip.pps);
}

std::string make_sdp(const h264_clip& clip, const sdp_options& options) {
  auto family = options.address.is_v6() ? "IP6" : "IP4";
  std::string sdp;
  sdp += "v=0\r\n";
  sdp += "o=- 1 1 IN " + std::string{family} + " " + options.address.to_string() + "\r\n";
  sdp += "s=camsim " + options.camera_id + "\r\n";
  sdp += "c=IN " + std::string{family} + " " + options.address.to_string() + "\r\n";
  sdp += "t=0 0\r\n";
  sdp += "a=control:*\r\n";
  sdp += "a=range:npt=0-\r\n";
  sdp += "m=video 0 RTP/AVP 96\r\n";
  sdp += "a=rtpmap:96 H264/90000\r\n";
  sdp += "a=fmtp:96 " + h264_fmtp(clip) + "\r\n";
  sdp += "a=framerate:" + std::to_string(clip.params.fps) + "\r\n";
  sdp += "a=control:" + std::string{video_track_control} + "\r\n";
  if (options.tplink_quirk) {
    // As Tapo C1xx/C2xx firmware sends it, for its "smart" metadata track.
    sdp += "m=application/TP-LINK 0 RTP/AVP smart/1/90000\r\n";
    sdp += "a=rtpmap:95 TP-LINK/90000\r\n";
    sdp += "a=control:trackID=3\r\n";
  }
  return sdp;
}

} // namespace camfleet::camsim
