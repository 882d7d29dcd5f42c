#include "tools/camsim/h264_clip.hpp"

#include "tools/camsim/rtp_packetizer.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>
}

namespace camfleet::camsim {

namespace {

constexpr int nal_slice = 1;
constexpr int nal_idr = 5;
constexpr int nal_sei = 6;
constexpr int nal_sps = 7;
constexpr int nal_pps = 8;
constexpr int nal_aud = 9;

int nal_type(std::string_view nal) {
  return nal.empty() ? -1 : static_cast<unsigned char>(nal.front()) & 0x1f;
}

bool is_vcl(int type) {
  return type == nal_slice || type == nal_idr;
}

struct codec_context_free {
  void operator()(AVCodecContext* ctx) const { avcodec_free_context(&ctx); }
};
struct frame_free {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct packet_free {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};

std::string av_error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

// A scrolling checkerboard over a gradient with a moving box: enough detail
// for key frames of realistic size (several FU-A fragments), enough motion
// for non-empty P frames.
void draw_pattern(AVFrame& frame, int index) {
  for (int y = 0; y < frame.height; ++y) {
    auto* row = frame.data[0] + static_cast<std::ptrdiff_t>(y) * frame.linesize[0];
    for (int x = 0; x < frame.width; ++x) {
      auto checker = (((x + index * 2) >> 4) + (y >> 4)) & 1;
      row[x] = static_cast<std::uint8_t>(((x + 2 * y) >> 1) + (checker ? 48 : 0));
    }
  }
  auto box = std::min(64, std::min(frame.width, frame.height) / 2);
  auto box_x = (index * 8) % std::max(1, frame.width - box);
  auto box_y = (frame.height - box) / 2;
  for (int y = box_y; y < box_y + box; ++y)
    std::fill_n(frame.data[0] + static_cast<std::ptrdiff_t>(y) * frame.linesize[0] + box_x, box,
                235);
  for (int plane = 1; plane <= 2; ++plane)
    for (int y = 0; y < frame.height / 2; ++y)
      std::fill_n(frame.data[plane] + static_cast<std::ptrdiff_t>(y) * frame.linesize[plane],
                  frame.width / 2, static_cast<std::uint8_t>(plane == 1 ? 96 + y % 64 : 160));
}

void finish_frames(h264_clip& clip, std::vector<std::vector<std::string>> access_units) {
  for (auto& nals : access_units) {
    clip_frame frame;
    for (const auto& nal : nals) {
      auto type = nal_type(nal);
      if (type == nal_idr)
        frame.key = true;
      if (type == nal_sps && clip.sps.empty())
        clip.sps = nal;
      if (type == nal_pps && clip.pps.empty())
        clip.pps = nal;
    }
    // A stream joined mid-clip must start at a picture it can decode.
    if (clip.frames.empty() && !frame.key)
      continue;
    frame.rtp_payloads = packetize_access_unit(nals, default_max_payload);
    frame.nals = std::move(nals);
    clip.frames.push_back(std::move(frame));
  }
  if (clip.frames.empty() || clip.sps.empty() || clip.pps.empty())
    throw std::runtime_error("the H.264 clip has no key frame with SPS and PPS");
}

const AVCodec* find_h264_encoder() {
  // libx264 first: Debian's libavcodec59 links it; other H.264 encoders
  // (libopenh264, hardware ones) are the fallback.
  if (auto* codec = avcodec_find_encoder_by_name("libx264"))
    return codec;
  return avcodec_find_encoder(AV_CODEC_ID_H264);
}

} // namespace

std::vector<std::string> split_annex_b(std::string_view bytes) {
  std::vector<std::string> nals;
  std::size_t start = std::string_view::npos;
  std::size_t i = 0;
  while (i + 3 <= bytes.size()) {
    if (bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 1) {
      if (start != std::string_view::npos) {
        // Trailing zeros belong to the next start code (4-byte form).
        auto end = i;
        while (end > start && bytes[end - 1] == 0)
          --end;
        if (end > start)
          nals.emplace_back(bytes.substr(start, end - start));
      }
      i += 3;
      start = i;
    } else {
      ++i;
    }
  }
  if (start != std::string_view::npos && start < bytes.size())
    nals.emplace_back(bytes.substr(start));
  return nals;
}

std::vector<std::vector<std::string>> group_access_units(const std::vector<std::string>& nals) {
  std::vector<std::vector<std::string>> units;
  bool has_picture = false;
  for (const auto& nal : nals) {
    auto type = nal_type(nal);
    bool starts_unit = false;
    if (has_picture) {
      if (type == nal_aud || type == nal_sps || type == nal_pps || type == nal_sei ||
          (type >= 14 && type <= 18))
        starts_unit = true;
      // first_mb_in_slice is ue(v); a leading 1 bit codes the value 0.
      else if (is_vcl(type) && nal.size() > 1 && (static_cast<unsigned char>(nal[1]) & 0x80))
        starts_unit = true;
    }
    if (units.empty() || starts_unit) {
      units.emplace_back();
      has_picture = false;
    }
    units.back().push_back(nal);
    has_picture = has_picture || is_vcl(type);
  }
  return units;
}

std::shared_ptr<const h264_clip> encode_clip(const stream_params& params) {
  const auto* codec = find_h264_encoder();
  if (codec == nullptr)
    throw std::runtime_error("libavcodec has no H.264 encoder (is libx264 installed?)");

  std::unique_ptr<AVCodecContext, codec_context_free> ctx{avcodec_alloc_context3(codec)};
  if (!ctx)
    throw std::runtime_error("out of memory allocating the encoder");
  ctx->width = params.width;
  ctx->height = params.height;
  ctx->pix_fmt = AV_PIX_FMT_YUV420P;
  ctx->time_base = AVRational{1, params.fps};
  ctx->framerate = AVRational{params.fps, 1};
  ctx->gop_size = params.key_frame_interval;
  ctx->max_b_frames = 0;
  // One thread: x264's sliced threads would cut each picture into several
  // slices, which Tapo cameras do not do.
  ctx->thread_count = 1;
  // Options another encoder does not know are ignored on purpose.
  av_opt_set(ctx->priv_data, "preset", "ultrafast", 0);
  av_opt_set(ctx->priv_data, "tune", "zerolatency", 0);
  // Key frames exactly every key_frame_interval frames, as cameras do.
  av_opt_set(ctx->priv_data, "x264-params", "scenecut=0", 0);
  if (auto err = avcodec_open2(ctx.get(), codec, nullptr); err < 0)
    throw std::runtime_error(std::string{"cannot open H.264 encoder "} + codec->name + ": " +
                             av_error_text(err));

  std::unique_ptr<AVFrame, frame_free> frame{av_frame_alloc()};
  std::unique_ptr<AVPacket, packet_free> packet{av_packet_alloc()};
  if (!frame || !packet)
    throw std::runtime_error("out of memory allocating encoder buffers");
  frame->format = ctx->pix_fmt;
  frame->width = ctx->width;
  frame->height = ctx->height;
  if (auto err = av_frame_get_buffer(frame.get(), 0); err < 0)
    throw std::runtime_error("cannot allocate a video frame: " + av_error_text(err));

  // Whole key-frame intervals covering at least two seconds and two intervals.
  auto gop = params.key_frame_interval;
  auto intervals = std::max(2, (2 * params.fps + gop - 1) / gop);
  auto total = gop * intervals;

  std::vector<std::vector<std::string>> units;
  auto drain = [&] {
    for (;;) {
      auto err = avcodec_receive_packet(ctx.get(), packet.get());
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF)
        return;
      if (err < 0)
        throw std::runtime_error("H.264 encoding failed: " + av_error_text(err));
      units.push_back(split_annex_b(
          {reinterpret_cast<const char*>(packet->data), static_cast<std::size_t>(packet->size)}));
      av_packet_unref(packet.get());
    }
  };
  for (int i = 0; i < total; ++i) {
    if (auto err = av_frame_make_writable(frame.get()); err < 0)
      throw std::runtime_error("cannot write a video frame: " + av_error_text(err));
    draw_pattern(*frame, i);
    frame->pts = i;
    if (auto err = avcodec_send_frame(ctx.get(), frame.get()); err < 0)
      throw std::runtime_error("H.264 encoding failed: " + av_error_text(err));
    drain();
  }
  avcodec_send_frame(ctx.get(), nullptr);
  drain();

  auto clip = std::make_shared<h264_clip>();
  clip->params = params;
  clip->source = codec->name;
  finish_frames(*clip, std::move(units));
  spdlog::debug("encoded {} frames {}x{} at {} fps, key frame every {}, with {}",
                clip->frames.size(), params.width, params.height, params.fps, gop, clip->source);
  return clip;
}

std::shared_ptr<const h264_clip> load_clip(const stream_params& params) {
  std::ifstream in{params.clip_file, std::ios::binary};
  if (!in)
    throw std::runtime_error("cannot read clip file '" + params.clip_file + "'");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  auto clip = std::make_shared<h264_clip>();
  clip->params = params;
  clip->source = "file";
  try {
    finish_frames(*clip, group_access_units(split_annex_b(bytes.str())));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("clip file '" + params.clip_file + "': " + e.what());
  }
  return clip;
}

std::shared_ptr<const h264_clip> clip_cache::get(const stream_params& params) {
  auto it = clips_.find(params);
  if (it != clips_.end())
    return it->second;
  auto clip = params.clip_file.empty() ? encode_clip(params) : load_clip(params);
  clips_.emplace(params, clip);
  return clip;
}

} // namespace camfleet::camsim
