// The stuck sweeper against the real daemon.
//
// With libav honouring its interrupt callback, no capture outlives its
// budget by more than libav's 100 ms polling interval, so a camera cannot
// be made stuck from the outside: camsim's blackhole and stall behaviours
// are released by the capture's own deadline (admin_api_test covers that).
// The sweeper exists for a libav call that ignores the callback. This test
// makes one: it freezes the capture's thread (named "cf-capture") with
// ptrace while it waits for a key frame, which is exactly what such a call
// looks like to the rest of the daemon. The camera must then show as stuck
// once it passes its capture budget plus the grace, be logged once, be
// force-released one sweep later, and keep counting as an open session
// until the thread is let go and closes its socket.

#include "tests/admin/admin_fixture.hpp"

#include <fstream>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <dirent.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

using namespace camfleet::admin_test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// The thread of `pid` named `name`, or -1.
pid_t find_thread(pid_t pid, const std::string& name) {
  auto task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(task_dir.c_str());
  if (dir == nullptr)
    return -1;
  pid_t found = -1;
  while (auto entry = readdir(dir)) {
    std::string tid = entry->d_name;
    if (tid == "." || tid == "..")
      continue;
    auto comm = read_file(task_dir + "/" + tid + "/comm");
    if (comm == name + "\n")
      found = static_cast<pid_t>(std::stol(tid));
  }
  closedir(dir);
  return found;
}

// Stops one thread of a child process with ptrace, for as long as it lives;
// the destructor (or the test process's end) lets it run again.
class frozen_thread {
 public:
  explicit frozen_thread(pid_t tid) : tid_(tid) {
    REQUIRE(ptrace(PTRACE_SEIZE, tid_, nullptr, nullptr) == 0);
    seized_ = true;
    REQUIRE(ptrace(PTRACE_INTERRUPT, tid_, nullptr, nullptr) == 0);
    int status = 0;
    REQUIRE(waitpid(tid_, &status, __WALL) == tid_);
    REQUIRE(WIFSTOPPED(status));
  }

  ~frozen_thread() { release(); }

  void release() {
    if (seized_)
      ptrace(PTRACE_DETACH, tid_, nullptr, nullptr);
    seized_ = false;
  }

 private:
  pid_t tid_;
  bool seized_ = false;
};

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

} // namespace

TEST_CASE("stuck sweeper: a frozen capture is shown stuck, logged once, force-released",
          "[admin][stuck][integration]") {
  temp_dir dir;
  // Plays, then sends nothing: the capture waits for a key frame.
  camsim_fixture cameras{dir, R"({"subnets": [{"name": "s", "prefix": "127.88.30.0/24",
    "cameras": [{"id": "s-stall", "address": "127.88.30.10", "port": 8554,
      "model": "Tapo C110", "session_limit": 8,
                 "behaviour": {"kind": "stall_after_play", "frames": 0}}]}]})"};
  // Capture budget 4 s, grace 0.5 s: stuck from 4.5 s on. A sweep every
  // 1.5 s logs it at the first pass after that and releases it at the next,
  // so the API shows it stuck for at least 1.5 s.
  daemon_fixture daemon{dir, R"({"snapshot_dir": ")" + dir.path() + R"(/snap",
    "patrol_log": ")" + dir.path() +
                                 R"(/patrols.jsonl",
    "admin": {"listen": "127.0.0.1:0"},
    "supervision": {"stuck_grace_ms": 500, "sweep_interval_ms": 1500},
    "subnets": [{"name": "s", "patrol_interval_ms": 3600000, "patrol_deadline_ms": 60000,
      "cameras": [{"id": "s-stall", "host": "127.88.30.10", "port": 8554,
                   "connect_budget_ms": 3000, "capture_budget_ms": 4000,
                   "teardown_budget_ms": 1000}]}]})"};

  REQUIRE(eventually(
      [&] {
        return text(daemon.get("/v1/cameras/s-stall"), "capture.phase") == "waiting_for_key_frame";
      },
      10s));
  pid_t tid = -1;
  REQUIRE(eventually([&] { return (tid = find_thread(daemon.pid(), "cf-capture")) > 0; }, 5s));
  frozen_thread frozen{tid};

  // Stuck: in the API, the list filter, the summary and the metrics.
  REQUIRE(
      eventually([&] { return field(daemon.get("/v1/cameras/s-stall"), "stuck").as_bool(); }, 10s));
  auto stuck = daemon.get("/v1/cameras/s-stall");
  CHECK(text(stuck, "state") == "capturing");
  CHECK(number(stuck, "capture.deadline_left_ms") < -500);
  CHECK(field(daemon.get("/v1/cameras?stuck=true"), "cameras").as_array().size() == 1);
  CHECK(number(daemon.get("/v1/fleet"), "stuck_cameras") == 1);
  auto listed = daemon.ctl({"cameras", "--stuck"});
  CHECK(listed.exit_code == 0);
  CHECK(listed.out.find("capturing STUCK") != std::string::npos);

  // The console's numbers while the patrol waits for the frozen capture: a
  // state that holds still, so each can be compared with the API's.
  auto subnet = daemon.get("/v1/subnets/s");
  auto subnets = daemon.ctl({"subnets"});
  REQUIRE(subnets.exit_code == 0);
  CHECK(subnets.out.find("s       1        1         " +
                         std::to_string(number(subnet, "patrol.id")) + "       [..........] " +
                         std::to_string(number(subnet, "patrol.done")) + "/" +
                         std::to_string(number(subnet, "patrol.cameras"))) != std::string::npos);
  auto status = daemon.ctl({"status"});
  CHECK(status.out.find("stuck cameras    1\n") != std::string::npos);
  CHECK(status.out.find("open sessions    1\n") != std::string::npos);
  CHECK(status.out.find("patrols running  1 of 1 subnets\n") != std::string::npos);
  auto inspect = daemon.ctl({"inspect", "s-stall"});
  CHECK(inspect.out.find("state                 capturing STUCK\n") != std::string::npos);
  CHECK(inspect.out.find("capture phase         waiting_for_key_frame\n") != std::string::npos);
  CHECK(inspect.out.find("deadline in           passed ") != std::string::npos);
  CHECK(inspect.out.find("holds session         yes\n") != std::string::npos);
  CHECK(inspect.out.find(
            "worker actor id       " +
            std::to_string(number(daemon.get("/v1/cameras/s-stall"), "holds.worker_actor_id")) +
            "\n") != std::string::npos);

  // Released by the sweeper, while the frozen thread still holds the socket.
  REQUIRE(eventually(
      [&] { return number(daemon.get("/v1/cameras/s-stall"), "forced_releases") == 1; }, 10s));
  auto released = daemon.get("/v1/cameras/s-stall");
  CHECK(text(released, "state") == "backoff");
  CHECK(field(released, "stuck").as_bool() == false);
  CHECK(text(released, "last_error.kind") == "cancelled");
  CHECK(text(released, "last_error.message").find("force-released by the stuck sweeper") == 0);
  CHECK(field(released, "holds.session").as_bool());
  CHECK(number(daemon.get("/v1/fleet"), "open_sessions") == 1);
  CHECK(number(daemon.get("/v1/fleet"), "forced_releases") == 1);
  auto log = daemon.log();
  CHECK(occurrences(log, "camera=s-stall stuck:") == 1);
  CHECK(occurrences(log, "camera=s-stall force-released") == 1);

  // Let the thread go: it sees its cancel flag, closes the session, ends.
  frozen.release();
  REQUIRE(eventually([&] { return number(daemon.get("/v1/fleet"), "open_sessions") == 0; }, 15s));
  REQUIRE(eventually([&] { return field(daemon.get("/v1/subnets/s"), "patrol").is_null(); }, 15s));
  auto metrics = daemon.call("GET", "/metrics").body;
  CHECK(metrics.find("camfleet_forced_releases_total 1\n") != std::string::npos);
  CHECK(metrics.find("camfleet_open_sessions 0\n") != std::string::npos);
  CHECK(occurrences(daemon.log(), "camera=s-stall stuck:") == 1);
}
