// Release guarantees of the actors, in-process with a real actor system:
// whatever ends a camera actor, its session is torn down and its descriptors
// closed within a bound; a patrol ends only with nothing connected.
//
// Cameras are camsim units (in-process, on 127.78.0.0/16) and silent TCP
// listeners; snapshots go to a temporary directory.

#include "actors/camera_actor.hpp"
#include "actors/subnet_supervisor.hpp"
#include "messages/fleet_messages.hpp"
#include "tests/camsim/running_fleet.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/silent_listener.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include <caf/all.hpp>

#include <catch2/catch.hpp>
#include <spdlog/spdlog.h>

using namespace camfleet;
using namespace std::chrono_literals;
using camfleet::camsim::test::running_fleet;
using std::chrono::steady_clock;

namespace {

namespace fs = std::filesystem;

// A generous bound for "released": the cancel flag is read at least every
// 100 ms by libav, then TEARDOWN is one write and close one call.
constexpr auto release_bound = 200ms;

const std::string camsim_address = "127.78.1.10";
const std::string second_camsim_address = "127.78.1.11";

std::string camsim_scenario(const std::string& first_behaviour) {
  return R"({"subnets": [{"name": "actors", "prefix": "127.78.1.0/24", "cameras": [
    {"id": "first", "address": ")" +
         camsim_address + R"(", "port": 0, "model": "Tapo C110",
     "stream": {"width": 320, "height": 180, "fps": 15, "key_frame_interval": 15},
     "behaviour": )" +
         first_behaviour + R"(},
    {"id": "second", "address": ")" +
         second_camsim_address + R"(", "port": 0, "model": "Tapo C110",
     "stream": {"width": 320, "height": 180, "fps": 15, "key_frame_interval": 15}}]}]})";
}

camera_config camera_at(const std::string& id, const std::string& host, std::uint16_t port) {
  camera_config camera;
  camera.id = id;
  camera.model = "Tapo C110";
  camera.endpoint.host = host;
  camera.endpoint.port = port;
  camera.budget.connect = 5000ms;
  camera.budget.capture = 10000ms;
  camera.budget.teardown = 500ms;
  return camera;
}

// A temporary snapshot directory, removed with everything in it.
struct temporary_directory {
  fs::path path;
  temporary_directory() {
    char pattern[] = "/tmp/camfleet-actors-XXXXXX";
    path = mkdtemp(pattern);
  }
  ~temporary_directory() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Polls `done` every 2 ms until it holds or `bound` passes; returns the time
// it took, or nothing if it never held.
std::optional<std::chrono::milliseconds> time_until(const std::function<bool()>& done,
                                                    steady_clock::time_point since,
                                                    std::chrono::milliseconds bound) {
  auto deadline = since + bound;
  while (steady_clock::now() < deadline + 1s) {
    if (done())
      return std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - since);
    std::this_thread::sleep_for(2ms);
  }
  return std::nullopt;
}

struct actor_fixture {
  actor_fixture() {
    spdlog::set_level(spdlog::level::warn);
    add_message_types(config);
  }
  caf::actor_system_config config;
};

} // namespace

TEST_CASE("camera actor: killed while connecting to a silent camera, it releases the socket",
          "[actors][integration]") {
  actor_fixture fixture;
  caf::actor_system system{fixture.config};
  caf::scoped_actor self{system};
  test::silent_listener silent{"127.78.2.10"};
  temporary_directory snapshots;
  auto baseline_fds = test::open_fd_count();

  auto camera = self->spawn(camera_actor, std::string{"actors"},
                            camera_at("silent", silent.address(), silent.port()),
                            snapshots.path.string(), caf::actor{self});
  self->send(camera, capture_order{1, 10000});
  REQUIRE(silent.wait_for_accepted(1, 5s));

  caf::actor worker;
  self->receive([&](session_opened& opened) { worker = opened.worker; });
  self->monitor(worker);

  auto killed_at = steady_clock::now();
  self->send_exit(camera, caf::exit_reason::kill);

  auto released = time_until(
      [&] { return silent.open_connections() == 0 && test::open_fd_count() == baseline_fds; },
      killed_at, release_bound);
  REQUIRE(released);
  CHECK(*released <= release_bound);
  INFO("released after " << released->count() << " ms");

  // The worker holding the session ends too, so a supervisor would know.
  bool worker_down = false;
  self->receive_while([&] { return !worker_down; })(
      [&](caf::down_msg& msg) { worker_down = msg.source == worker.address(); },
      [](const capture_report&) {}, caf::after(5s) >> [&] { worker_down = true; });
  CHECK(silent.accepted() == 1);
}

TEST_CASE("camera actor: killed while waiting for a key frame, it tears the session down",
          "[actors][integration]") {
  actor_fixture fixture;
  running_fleet camsim{camsim_scenario(R"("no_key_frame")")};
  caf::actor_system system{fixture.config};
  caf::scoped_actor self{system};
  temporary_directory snapshots;
  auto baseline_fds = test::open_fd_count();

  auto camera = self->spawn(camera_actor, std::string{"actors"},
                            camera_at("first", camsim_address, camsim.port_of("first")),
                            snapshots.path.string(), caf::actor{self});
  self->send(camera, capture_order{1, 10000});
  REQUIRE(camsim.await_counter("first", "active_sessions", 1, 5s) == 1);
  // Let a few non-key frames arrive, so the capture is surely in its read loop.
  std::this_thread::sleep_for(300ms);

  auto killed_at = steady_clock::now();
  self->send_exit(camera, caf::exit_reason::kill);

  auto fds_back =
      time_until([&] { return test::open_fd_count() == baseline_fds; }, killed_at, release_bound);
  REQUIRE(fds_back);
  CHECK(*fds_back <= release_bound);
  CHECK(camsim.await_counter("first", "teardowns_received", 1, 2s) == 1);
  CHECK(camsim.await_counter("first", "open_connections", 0, 2s) == 0);
  CHECK(camsim.counter("first", "active_sessions") == 0);
  CHECK(camsim.counter("first", "sessions_expired") == 0);
}

TEST_CASE("camera actor: a failed camera backs off and skips the next order",
          "[actors][integration]") {
  actor_fixture fixture;
  caf::actor_system system{fixture.config};
  caf::scoped_actor self{system};
  temporary_directory snapshots;
  auto port = test::free_tcp_port("127.78.3.10");
  auto config = camera_at("refusing", "127.78.3.10", port);
  config.backoff.initial = 60000ms;

  auto camera = self->spawn(camera_actor, std::string{"actors"}, config, snapshots.path.string(),
                            caf::actor{self});
  auto order = [&](std::uint64_t patrol) {
    capture_report answer;
    self->request(camera, 10s, capture_order{patrol, 10000})
        .receive([&](capture_report& report) { answer = report; },
                 [&](caf::error& error) { FAIL(system.render(error)); });
    return answer;
  };

  auto first = order(1);
  CHECK(first.outcome == patrol_outcome::failed);
  CHECK(first.failure == "refused");
  auto second = order(2);
  CHECK(second.outcome == patrol_outcome::skipped_backoff);
  CHECK(second.detail.find("after 1 failures") != std::string::npos);
  self->send_exit(camera, caf::exit_reason::user_shutdown);
}

TEST_CASE("subnet supervisor: a patrol with a silent camera ends at its deadline, all released",
          "[actors][integration]") {
  actor_fixture fixture;
  running_fleet camsim{camsim_scenario(R"("healthy")")};
  test::silent_listener silent{"127.78.4.10"};
  caf::actor_system system{fixture.config};
  caf::scoped_actor self{system};
  temporary_directory snapshots;

  subnet_supervisor_options options;
  options.subnet.name = "actors";
  options.subnet.parallel_captures = 3;
  options.subnet.patrol_deadline = 2000ms;
  options.subnet.cameras = {camera_at("first", camsim_address, camsim.port_of("first")),
                            camera_at("second", second_camsim_address, camsim.port_of("second")),
                            camera_at("silent", silent.address(), silent.port())};
  options.snapshot_dir = snapshots.path.string();
  options.root = caf::actor{self};
  options.max_patrols = 1;
  auto started = steady_clock::now();
  auto supervisor = self->spawn(subnet_supervisor, options);

  patrol_report report;
  self->receive([&](patrol_report& received) { report = std::move(received); },
                caf::after(10s) >> [] { FAIL("no patrol report within 10 s"); });
  auto elapsed = steady_clock::now() - started;

  // Ends at the deadline plus the cancelled capture's teardown, not later.
  CHECK(elapsed < 2000ms + 500ms + 300ms);
  REQUIRE(report.cameras.size() == 3);
  CHECK(report.cameras[0].outcome == patrol_outcome::captured);
  CHECK(report.cameras[1].outcome == patrol_outcome::captured);
  CHECK(report.cameras[2].outcome == patrol_outcome::failed);
  CHECK(report.deadline_reached);
  for (const auto* id : {"first", "second"}) {
    auto file = snapshots.path / "actors" / id / "latest.jpg";
    CHECK(fs::file_size(file) > 1000);
    CHECK(fs::last_write_time(file) >= fs::file_time_type::clock::now() - 10s);
  }

  // Construct-then-destruct: at the report, nothing is held any more.
  CHECK(silent.wait_for_open_connections(0, 300ms));
  for (const auto* id : {"first", "second"}) {
    CHECK(camsim.await_counter(id, "open_connections", 0, 300ms) == 0);
    CHECK(camsim.counter(id, "active_sessions") == 0);
    CHECK(camsim.counter(id, "teardowns_received") == camsim.counter(id, "sessions_started"));
    CHECK(camsim.counter(id, "session_high_water") == 1);
  }
  self->send(supervisor, shutdown_atom::value);
}
