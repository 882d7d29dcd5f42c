// bench_release: how long a killed camera actor takes to release its
// session, in each phase of a capture, for bench/bench.py.
//
//   bench_release PHASE COUNT
//
// PHASE is one of
//   connecting     camsim "blackhole": TCP accepted, OPTIONS read, never answered
//   negotiating    camsim "slow" (400 ms per reply): killed after DESCRIBE arrived
//   waiting        camsim "stall_after_play" with 0 frames: PLAY answered, then
//                  silence with the socket open; killed inside av_read_frame
//   decoding       a healthy camsim camera; killed while avcodec_send_packet
//                  holds the key frame
//
// Each of COUNT rounds spawns a camera actor (actors/camera_actor.hpp) with
// this process as its supervisor, orders one capture, waits for the phase,
// waits a random 0 to 100 ms more (libav polls its interrupt callback every
// 100 ms, so the kill must land anywhere in that cycle; not in "decoding",
// where the decoder is held until the kill is sent), sends exit_reason::kill
// and then polls every 0.5 ms until this process's descriptors are back to
// what they were before the round and camsim (in-process, on its own
// thread) counts no open connection. One JSON line per round.
//
// Everything listens on 127.79.1.0/24.

#include "actors/camera_actor.hpp"
#include "messages/fleet_messages.hpp"
#include "tools/camsim/scenario.hpp"
#include "tools/camsim/simulator.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include <caf/all.hpp>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <dirent.h>
#include <dlfcn.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace {

using namespace camfleet;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// Phase hooks. This executable defines avcodec_send_packet and av_read_frame
// (below); the capture path's calls bind to these, which note the moment and
// hand over to libav's own.
enum class hook_mode : int { off, waiting, decoding };
std::atomic<int> hook{static_cast<int>(hook_mode::off)};
std::mutex hook_mutex;
std::condition_variable hook_changed;
bool hook_entered = false;
bool kill_sent = false;

void note_entered() {
  std::lock_guard<std::mutex> lock{hook_mutex};
  hook_entered = true;
  hook_changed.notify_all();
}

template <class Fn>
Fn real(const char* name) {
  static_assert(sizeof(Fn) == sizeof(void*));
  void* symbol = dlsym(RTLD_NEXT, name);
  if (symbol == nullptr) {
    std::fprintf(stderr, "bench_release: no %s in libav\n", name);
    std::abort();
  }
  Fn fn;
  std::memcpy(&fn, &symbol, sizeof fn);
  return fn;
}

} // namespace

extern "C" int av_read_frame(AVFormatContext* s, AVPacket* pkt) {
  using fn_type = int (*)(AVFormatContext*, AVPacket*);
  static const auto next = real<fn_type>("av_read_frame");
  if (hook.load() == static_cast<int>(hook_mode::waiting))
    note_entered();
  return next(s, pkt);
}

extern "C" int avcodec_send_packet(AVCodecContext* avctx, const AVPacket* avpkt) {
  using fn_type = int (*)(AVCodecContext*, const AVPacket*);
  static const auto next = real<fn_type>("avcodec_send_packet");
  if (hook.load() == static_cast<int>(hook_mode::decoding)) {
    // Hold the key frame until the kill is on its way (at most 1 s), so the
    // kill arrives while the worker is decoding.
    std::unique_lock<std::mutex> lock{hook_mutex};
    hook_entered = true;
    hook_changed.notify_all();
    hook_changed.wait_for(lock, 1s, [] { return kill_sent; });
  }
  return next(avctx, avpkt);
}

namespace {

std::size_t open_fd_count() {
  std::size_t n = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir) != nullptr)
      ++n;
    closedir(dir);
  }
  return n;
}

std::string scenario_json() {
  auto camera = [](const char* id, const char* address, const char* behaviour) {
    return std::string{R"({"id": ")"} + id + R"(", "address": ")" + address +
           R"(", "port": 0, "model": "Tapo C110", "session_limit": 1024, "session_timeout_s": 60,
       "stream": {"width": 640, "height": 360, "fps": 30, "key_frame_interval": 6},
       "behaviour": )" +
           behaviour + "}";
  };
  return R"({"subnets": [{"name": "release", "prefix": "127.79.1.0/24", "cameras": [)" +
         camera("connecting", "127.79.1.10", R"("blackhole")") + "," +
         camera("negotiating", "127.79.1.11", R"({"kind": "slow", "delay_ms": 400})") + "," +
         camera("waiting", "127.79.1.12", R"({"kind": "stall_after_play", "frames": 0})") + "," +
         camera("decoding", "127.79.1.13", R"("healthy")") + "]}]}";
}

// camsim in-process on its own io thread; counters are read on that thread.
class camsim_thread {
 public:
  camsim_thread() : sim_(camsim::parse_scenario(scenario_json()), camsim::simulator_options{}) {
    sim_.start();
    thread_ = std::thread{[this] { sim_.run(); }};
  }
  ~camsim_thread() {
    sim_.stop();
    thread_.join();
  }
  camsim_thread(const camsim_thread&) = delete;
  camsim_thread& operator=(const camsim_thread&) = delete;

  std::uint16_t port(const std::string& id) { return sim_.find(id)->port(); }

  camsim::camera_stats stats(const std::string& id) {
    std::promise<camsim::camera_stats> result;
    boost::asio::post(sim_.io(), [&] { result.set_value(sim_.find(id)->stats()); });
    return result.get_future().get();
  }

 private:
  camsim::simulator sim_;
  std::thread thread_;
};

camera_config camera_for(const std::string& phase, std::uint16_t port) {
  camera_config camera;
  camera.id = phase;
  camera.model = "Tapo C110";
  camera.endpoint.host = phase == "connecting"    ? "127.79.1.10"
                         : phase == "negotiating" ? "127.79.1.11"
                         : phase == "waiting"     ? "127.79.1.12"
                                                  : "127.79.1.13";
  camera.endpoint.port = port;
  camera.budget.connect = 10000ms;
  camera.budget.capture = 15000ms;
  camera.budget.teardown = 1000ms;
  return camera;
}

double ms_since(steady::time_point since) {
  return std::chrono::duration<double, std::milli>(steady::now() - since).count();
}

struct round_result {
  bool phase_reached = false;
  double fds_closed_ms = -1;
  double camsim_closed_ms = -1;
  double worker_down_ms = -1;
  std::uint64_t teardowns = 0;
  /// RTSP requests camsim read during the round (a stalled camera reads the
  /// TEARDOWN as its fifth without acting on it).
  std::uint64_t requests = 0;
};

round_result run_round(caf::actor_system& system, camsim_thread& camsim, const std::string& phase,
                       const std::string& snapshot_dir, std::uint64_t round, std::mt19937& rng) {
  round_result result;
  caf::scoped_actor self{system};
  auto before = camsim.stats(phase);
  auto baseline_fds = open_fd_count();
  {
    std::lock_guard<std::mutex> lock{hook_mutex};
    hook_entered = false;
    kill_sent = false;
  }
  hook = static_cast<int>(phase == "waiting"    ? hook_mode::waiting
                          : phase == "decoding" ? hook_mode::decoding
                                                : hook_mode::off);

  auto camera = system.spawn(camera_actor, std::string{"release"},
                             camera_for(phase, camsim.port(phase)), snapshot_dir, caf::actor{self});
  self->send(camera, capture_order{round, 15000});
  caf::actor worker;
  self->receive([&](session_opened& opened) { worker = opened.worker; }, caf::after(5s) >> [] {});
  if (worker)
    self->monitor(worker);

  // Wait (at most 5 s) for the phase.
  auto phase_deadline = steady::now() + 5s;
  if (phase == "connecting" || phase == "negotiating") {
    std::uint64_t wanted = phase == "connecting" ? 1 : 2;
    while (steady::now() < phase_deadline &&
           camsim.stats(phase).requests_received - before.requests_received < wanted)
      std::this_thread::sleep_for(500us);
    result.phase_reached =
        camsim.stats(phase).requests_received - before.requests_received >= wanted;
  } else {
    std::unique_lock<std::mutex> lock{hook_mutex};
    result.phase_reached =
        hook_changed.wait_until(lock, phase_deadline, [] { return hook_entered; });
  }
  if (phase != "decoding")
    std::this_thread::sleep_for(
        std::chrono::microseconds{std::uniform_int_distribution<int>{0, 99'999}(rng)});

  // The kill, and the release.
  auto killed_at = steady::now();
  self->send_exit(camera, caf::exit_reason::kill);
  {
    std::lock_guard<std::mutex> lock{hook_mutex};
    kill_sent = true;
    hook_changed.notify_all();
  }
  hook = static_cast<int>(hook_mode::off);
  auto release_deadline = killed_at + 5s;
  while (steady::now() < release_deadline &&
         (result.fds_closed_ms < 0 || result.camsim_closed_ms < 0)) {
    if (result.fds_closed_ms < 0 && open_fd_count() <= baseline_fds)
      result.fds_closed_ms = ms_since(killed_at);
    if (result.camsim_closed_ms < 0 && camsim.stats(phase).open_connections == 0)
      result.camsim_closed_ms = ms_since(killed_at);
    std::this_thread::sleep_for(500us);
  }
  bool worker_down = !worker;
  self->receive_while([&] { return !worker_down; })(
      [&](caf::down_msg& msg) {
        if (msg.source == worker.address()) {
          worker_down = true;
          result.worker_down_ms = ms_since(killed_at);
        }
      },
      [](capture_report&) {}, caf::after(5s) >> [&] { worker_down = true; });
  auto after = camsim.stats(phase);
  result.teardowns = after.teardowns_received - before.teardowns_received;
  result.requests = after.requests_received - before.requests_received;
  return result;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_release connecting|negotiating|waiting|decoding COUNT\n");
    return 2;
  }
  std::string phase = argv[1];
  long count = std::atol(argv[2]);
  if ((phase != "connecting" && phase != "negotiating" && phase != "waiting" &&
       phase != "decoding") ||
      count < 1 || count > 5000) {
    std::fprintf(stderr, "bench_release: bad phase or count (1 to 5000)\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::err);

  char pattern[] = "/tmp/camfleet-bench-release-XXXXXX";
  std::string snapshot_dir = mkdtemp(pattern);
  int status = 0;
  {
    camsim_thread camsim;
    caf::actor_system_config config;
    add_message_types(config);
    caf::actor_system system{config};
    std::mt19937 rng{std::random_device{}()};

    for (long i = 0; i < count; ++i) {
      auto r =
          run_round(system, camsim, phase, snapshot_dir, static_cast<std::uint64_t>(i + 1), rng);
      if (!r.phase_reached || r.fds_closed_ms < 0 || r.camsim_closed_ms < 0)
        status = 1;
      std::printf("{\"phase\": \"%s\", \"round\": %ld, \"phase_reached\": %s, "
                  "\"fds_closed_ms\": %.3f, \"camsim_closed_ms\": %.3f, \"worker_down_ms\": %.3f, "
                  "\"teardowns\": %llu, \"requests\": %llu}\n",
                  phase.c_str(), i + 1, r.phase_reached ? "true" : "false", r.fds_closed_ms,
                  r.camsim_closed_ms, r.worker_down_ms,
                  static_cast<unsigned long long>(r.teardowns),
                  static_cast<unsigned long long>(r.requests));
      std::fflush(stdout);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(snapshot_dir, ec);
  return status;
}
