// Turning a decoded picture into JPEG bytes.

#pragma once

#include <cstdint>
#include <vector>

struct AVFrame;

namespace camfleet {

/// Encodes `frame` (any pixel format swscale reads) as a baseline JPEG of the
/// same size, full-range 4:2:0, with libav's mjpeg encoder at quantiser
/// `qscale` (2 best ... 31 worst). Runs on the calling thread. Returns 0 and
/// fills `jpeg`, or returns a negative AVERROR.
int encode_jpeg(const AVFrame& frame, std::vector<std::uint8_t>& jpeg, int qscale = 3);

} // namespace camfleet
