// bench_snapshot: one RTSP snapshot three ways, for bench/bench.py.
//
//   bench_snapshot capture HOST PORT PATH [OUT.jpg]
//       camfleet's capture path (capture_snapshot: open, first key frame,
//       decode, JPEG) once, as a process of its own.
//   bench_snapshot floor HOST PORT PATH
//       the floor: a bare libavformat open and read up to the first key frame,
//       with the options camfleet uses, no decode, no JPEG.
//   bench_snapshot noop
//       nothing: the cost of starting a process that links Debian's FFmpeg
//       libraries (the dynamic loader maps and relocates them), which every
//       per-process row pays before any work.
//   bench_snapshot loop HOST PORT PATH COUNT
//       inside one running process, as in the daemon: COUNT captures and COUNT
//       floors, alternating (which goes first alternates too).
//
// Each call prints one JSON line: what ran, whether it worked, its wall time,
// the CPU time of the process during the call, and (loop) how far the call
// raised the process's resident memory above what it held before the call.
// Everything is on loopback; the harness points it at a local server.

#include "camera/libav_ptr.hpp"
#include "camera/snapshot_capture.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <spdlog/spdlog.h>

#include <time.h>

namespace {

using namespace camfleet;
using clock_type = std::chrono::steady_clock;

constexpr auto call_budget = std::chrono::milliseconds{15000};
constexpr int max_floor_packets = 20000;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// A line of /proc/self/status in KiB ("VmRSS", "VmHWM").
long status_kib(const char* key) {
  std::ifstream status{"/proc/self/status"};
  std::string line;
  std::string prefix = std::string{key} + ":";
  while (std::getline(status, line))
    if (line.rfind(prefix, 0) == 0)
      return std::strtol(line.c_str() + prefix.size(), nullptr, 10);
  return -1;
}

// Resets VmHWM to the current resident size (Linux 4.0 and later), so that
// the peak of one call can be read afterwards.
void reset_peak() {
  std::ofstream clear{"/proc/self/clear_refs"};
  clear << "5";
}

struct interrupt_state {
  clock_type::time_point deadline;
};

int interrupt_cb(void* opaque) {
  return clock_type::now() >= static_cast<interrupt_state*>(opaque)->deadline ? 1 : 0;
}

// The floor: what any client must do before it holds a key frame.
bool floor_read(const std::string& url) {
  interrupt_state interrupt{clock_type::now() + call_budget};
  libav::format_input_ptr ctx{avformat_alloc_context()};
  ctx->interrupt_callback.callback = &interrupt_cb;
  ctx->interrupt_callback.opaque = &interrupt;
  libav::dictionary_ptr options;
  av_dict_set(libav::lend(options), "rtsp_transport", "tcp", 0);
  av_dict_set(libav::lend(options), "allowed_media_types", "video", 0);
  av_dict_set_int(libav::lend(options), "timeout", 15'000'000, 0);
  if (avformat_open_input(libav::lend(ctx), url.c_str(), nullptr, libav::lend(options)) < 0)
    return false;

  int video_index = av_find_best_stream(ctx.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  libav::packet_ptr packet{av_packet_alloc()};
  bool found = false;
  for (int i = 0; i < max_floor_packets && !found; ++i) {
    if (av_read_frame(ctx.get(), packet.get()) < 0)
      break;
    found = packet->stream_index == video_index && (packet->flags & AV_PKT_FLAG_KEY) != 0;
    av_packet_unref(packet.get());
  }
  // Closing sends TEARDOWN on a fresh budget, as camfleet does.
  interrupt.deadline = clock_type::now() + std::chrono::milliseconds{1000};
  ctx.reset();
  return found;
}

bool camfleet_capture(const stream_endpoint& endpoint, const std::string& out) {
  std::atomic<bool> cancel{false};
  capture_budget budget;
  budget.connect = call_budget;
  budget.capture = call_budget;
  auto result = capture_snapshot("bench", endpoint, budget, cancel);
  if (const auto* failure = std::get_if<capture_failure>(&result)) {
    std::fprintf(stderr, "bench_snapshot: capture failed: %s: %s\n", to_string(failure->kind),
                 failure->detail.c_str());
    return false;
  }
  if (!out.empty()) {
    const auto& jpeg = std::get<snapshot>(result).jpeg;
    std::ofstream file{out, std::ios::binary};
    file.write(reinterpret_cast<const char*>(jpeg.data()),
               static_cast<std::streamsize>(jpeg.size()));
  }
  return true;
}

// Runs one call and prints its line.
template <class Call>
bool measured(const char* kind, bool track_peak, Call&& call) {
  long rss_before = status_kib("VmRSS");
  if (track_peak)
    reset_peak();
  double cpu_before = cpu_seconds();
  auto wall_before = clock_type::now();
  bool ok = call();
  auto wall = std::chrono::duration<double, std::milli>(clock_type::now() - wall_before).count();
  double cpu_ms = (cpu_seconds() - cpu_before) * 1000.0;
  long peak_added = track_peak ? status_kib("VmHWM") - rss_before : -1;
  std::printf("{\"kind\": \"%s\", \"ok\": %s, \"wall_ms\": %.3f, \"cpu_ms\": %.3f, "
              "\"peak_added_kib\": %ld, \"rss_kib\": %ld}\n",
              kind, ok ? "true" : "false", wall, cpu_ms, peak_added, status_kib("VmRSS"));
  std::fflush(stdout);
  return ok;
}

int usage() {
  std::fprintf(stderr, "usage: bench_snapshot capture|floor HOST PORT PATH [OUT.jpg]\n"
                       "       bench_snapshot noop\n"
                       "       bench_snapshot loop HOST PORT PATH COUNT\n");
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string{argv[1]} == "noop")
    return measured("noop", false, [] { return true; }) ? 0 : 1;
  if (argc < 5)
    return usage();
  std::string mode = argv[1];
  stream_endpoint endpoint;
  endpoint.host = argv[2];
  endpoint.port = static_cast<std::uint16_t>(std::atoi(argv[3]));
  endpoint.path = argv[4];
  std::string url = "rtsp://" + endpoint.host + ":" + argv[3] + endpoint.path;
  spdlog::set_level(spdlog::level::warn);

  if (mode == "capture") {
    std::string out = argc > 5 ? argv[5] : "";
    return measured("capture", false, [&] { return camfleet_capture(endpoint, out); }) ? 0 : 1;
  }
  if (mode == "floor")
    return measured("floor", false, [&] { return floor_read(url); }) ? 0 : 1;
  if (mode == "loop" && argc > 5) {
    int count = std::atoi(argv[5]);
    if (count < 1 || count > 10000)
      return usage();
    bool all_ok = true;
    for (int i = 0; i < count; ++i) {
      auto capture = [&] {
        return measured("capture_in_process", true, [&] { return camfleet_capture(endpoint, ""); });
      };
      auto floor = [&] {
        return measured("floor_in_process", true, [&] { return floor_read(url); });
      };
      bool ok = (i % 2 == 0) ? (capture() & floor()) : (floor() & capture());
      all_ok = all_ok && ok;
    }
    return all_ok ? 0 : 1;
  }
  return usage();
}
