// bench_idle: resident memory of idle camera actors, for bench/bench.py.
//
//   bench_idle COUNT
//
// Spawns camfleet's camera actors (actors/camera_actor.hpp, exactly as a
// subnet supervisor does, with configurations as the loader builds them) in
// steps up to COUNT, with no patrol and no capture, and prints one JSON line
// per step with the process's resident memory once it has settled. The
// harness fits a line through the steps: its slope is the resident memory
// of one idle camera actor.

#include "actors/camera_actor.hpp"
#include "messages/fleet_messages.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace {

using namespace camfleet;

long rss_kib() {
  std::ifstream status{"/proc/self/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

// Waits until the resident size stops changing (the scheduler has run every
// actor's initialisation), at most 10 s.
long settled_rss_kib() {
  long last = rss_kib();
  int stable = 0;
  for (int i = 0; i < 200 && stable < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
    long now = rss_kib();
    stable = now == last ? stable + 1 : 0;
    last = now;
  }
  return last;
}

// A camera as the configuration loader builds it: a Tapo C110 on its own
// loopback address with the defaults of README's configuration reference.
camera_config camera_number(std::size_t i) {
  camera_config camera;
  char id[32];
  std::snprintf(id, sizeof id, "cam%05zu", i);
  camera.id = id;
  camera.model = "tapo-c110";
  camera.endpoint.host = "127.103." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
  camera.endpoint.port = 554;
  camera.endpoint.username = "camfleet";
  camera.endpoint.password = "bench-password";
  camera.password_source = "env:CAMFLEET_CAMERA_PASSWORD";
  return camera;
}

} // namespace

int main(int argc, char** argv) {
  long count = argc > 1 ? std::atol(argv[1]) : 10000;
  if (count < 1 || count > 100000) {
    std::fprintf(stderr, "usage: bench_idle COUNT (1 to 100000)\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);

  caf::actor_system_config config;
  add_message_types(config);
  caf::actor_system system{config};
  caf::scoped_actor self{system};
  // Stands in for the subnet supervisor; the cameras only ever send it
  // session_opened, and idle cameras send nothing.
  auto supervisor = system.spawn(
      [](caf::event_based_actor*) -> caf::behavior { return {[](session_opened&) {}}; });

  std::printf("{\"sizeof_camera_actor\": %zu, \"sizeof_camera_state\": %zu}\n",
              sizeof(camera_actor_type), sizeof(camera_actor_state));
  std::vector<caf::actor> cameras;
  cameras.reserve(static_cast<std::size_t>(count));
  std::printf("{\"actors\": 0, \"rss_kib\": %ld}\n", settled_rss_kib());
  std::fflush(stdout);
  const long steps[] = {count / 10, count / 4, count / 2, (3 * count) / 4, count};
  for (long target : steps) {
    while (static_cast<long>(cameras.size()) < target) {
      auto i = cameras.size();
      cameras.push_back(system.spawn(camera_actor, std::string{"bench-idle"}, camera_number(i),
                                     std::string{"/nonexistent"}, supervisor));
      // A message each makes sure the scheduler has run its initialisation;
      // an idle camera drops a retry.
      caf::anon_send(cameras.back(), retry_atom::value);
    }
    std::printf("{\"actors\": %zu, \"rss_kib\": %ld}\n", cameras.size(), settled_rss_kib());
    std::fflush(stdout);
  }

  for (auto& camera : cameras)
    self->send_exit(camera, caf::exit_reason::user_shutdown);
  self->send_exit(supervisor, caf::exit_reason::user_shutdown);
  return 0;
}
