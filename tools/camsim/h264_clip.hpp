// The short H.264 clip a simulated camera loops as its live stream.
//
// camsim encodes a moving test pattern at start-up with libavcodec (libx264
// when present), or loads an Annex B file. Encoding 1,000 cameras' streams
// would take minutes, so clips are shared: cameras with equal stream
// parameters stream the same frames, each with its own RTP sequence numbers,
// timestamps and SSRC. Frames are packetised once, here, not per camera.

#pragma once

#include "tools/camsim/scenario.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace camfleet::camsim {

struct clip_frame {
  /// An IDR picture: a decoder can start here.
  bool key = false;
  /// NAL units without start codes; a key frame carries SPS and PPS in-band
  /// before its IDR slice, as cameras send them.
  std::vector<std::string> nals;
  /// The frame's RTP payloads (single NAL units and FU-A fragments).
  std::vector<std::string> rtp_payloads;
};

struct h264_clip {
  stream_params params;
  /// "libx264", another encoder's name, or "file".
  std::string source;
  std::string sps;
  std::string pps;
  /// Starts with a key frame.
  std::vector<clip_frame> frames;
};

/// The NAL units of an Annex B byte stream (3- or 4-byte start codes).
std::vector<std::string> split_annex_b(std::string_view bytes);

/// Groups NAL units into access units (ITU-T H.264, 7.4.1.2.3): a new one
/// starts at an AUD, SPS, PPS or SEI after a picture, or at a slice whose
/// first_mb_in_slice is 0.
std::vector<std::vector<std::string>> group_access_units(const std::vector<std::string>& nals);

/// Encodes a test pattern: at least two seconds and two key-frame intervals,
/// ending just before a key frame so that the loop is seamless. Throws
/// std::runtime_error when no H.264 encoder works.
std::shared_ptr<const h264_clip> encode_clip(const stream_params& params);

/// Loads params.clip_file; frames before the first key frame are dropped.
/// Throws std::runtime_error when unreadable or without SPS, PPS and IDR.
std::shared_ptr<const h264_clip> load_clip(const stream_params& params);

/// One clip per distinct stream_params.
class clip_cache {
 public:
  std::shared_ptr<const h264_clip> get(const stream_params& params);
  std::size_t size() const noexcept { return clips_.size(); }

 private:
  std::map<stream_params, std::shared_ptr<const h264_clip>> clips_;
};

} // namespace camfleet::camsim
