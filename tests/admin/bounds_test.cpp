// Bounded memory: each buffer and each queue between actors that a producer
// can fill is flooded past its bound, and the bound holds: the camera
// history, the patrol reports kept per subnet, the patrol log writer's
// pending reports (the real camfleetd writing into a pipe nobody reads), the
// configuration file a reload reads, and the admin interface's questions to
// a fleet root that stopped answering.

#include "fleet/admin_routes.hpp"
#include "messages/admin_messages.hpp"
#include "messages/fleet_messages.hpp"
#include "tests/admin/admin_fixture.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <sstream>

#include <caf/all.hpp>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace camfleet::admin_test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

using steady = std::chrono::steady_clock;

const char* scenario = R"({"subnets": [
  {"name": "gamma", "prefix": "127.88.52.0/24", "cameras": [
    {"id": "g-one", "address": "127.88.52.10", "port": 8554,
     "model": "Tapo C110", "session_limit": 8,
     "stream": {"width": 320, "height": 180, "fps": 25, "key_frame_interval": 5}}]}]})";

// Patrols back to back, into `patrol_log`.
std::string config(const std::string& dir, const std::string& patrol_log) {
  return R"({"snapshot_dir": ")" + dir + R"(/snapshots", "patrol_log": ")" + patrol_log +
         R"(", "admin": {"listen": "127.0.0.1:0"},
  "defaults": {"subnet": {"patrol_interval_ms": 100, "patrol_deadline_ms": 10000},
               "camera": {"connect_budget_ms": 2000, "capture_budget_ms": 5000}},
  "subnets": [{"name": "gamma", "cameras": [{"id": "g-one", "host": "127.88.52.10",
                                             "port": 8554}]}]})";
}

// The value of an unlabelled Prometheus sample, -1 if absent.
std::int64_t metric(const std::string& text, const std::string& name) {
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos)
    return -1;
  return std::stoll(text.substr(at + name.size() + 2));
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

// The read end of a FIFO, opened before the daemon opens the write end, and
// shrunk to one page so that a few patrol lines fill it.
class fifo_reader {
 public:
  explicit fifo_reader(const std::string& path) {
    REQUIRE(mkfifo(path.c_str(), 0600) == 0);
    fd_ = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(fd_ >= 0);
    REQUIRE(fcntl(fd_, F_SETPIPE_SZ, 4096) >= 4096);
  }
  ~fifo_reader() { close(fd_); }
  fifo_reader(const fifo_reader&) = delete;
  fifo_reader& operator=(const fifo_reader&) = delete;

  /// Appends what the pipe holds now to `text`.
  void read_available(std::string& text) {
    char buffer[4096];
    ssize_t n = 0;
    while ((n = read(fd_, buffer, sizeof(buffer))) > 0)
      text.append(buffer, static_cast<std::size_t>(n));
  }

 private:
  int fd_ = -1;
};

// A stand-in for the fleet root that stops answering: its first question
// blocks it until released, and the later ones stay in its mailbox.
struct stalled_root_control {
  std::mutex mutex;
  std::condition_variable released_cv;
  bool released = false;
  std::atomic<int> questions{0};

  void release() {
    std::lock_guard<std::mutex> guard{mutex};
    released = true;
    released_cv.notify_all();
  }
};

caf::behavior stalled_root(caf::event_based_actor*, std::shared_ptr<stalled_root_control> control) {
  return {
      [control](camfleet::inspect_atom) {
        ++control->questions;
        std::unique_lock<std::mutex> lock{control->mutex};
        // Bounded: the test releases it long before.
        control->released_cv.wait_for(lock, 60s, [&] { return control->released; });
        return camfleet::fleet_view{};
      },
  };
}

} // namespace

TEST_CASE("bounds: camera history, reports kept and the patrol log writer's queue hold",
          "[admin][bounds][integration]") {
  temp_dir dir;
  camsim_fixture cameras{dir, scenario};
  auto fifo_path = dir.file("patrols.fifo");
  fifo_reader patrol_log{fifo_path};
  daemon_fixture daemon{dir, config(dir.path(), fifo_path)};

  // The pipe holds a few lines, then the writer blocks in write(2): the
  // supervisor keeps at most 16 reports waiting and drops the rest.
  std::int64_t dropped = 0;
  REQUIRE(eventually(
      [&] {
        dropped = metric(daemon.call("GET", "/metrics").body, "camfleet_patrol_log_dropped_total");
        return dropped >= 5;
      },
      60s));
  auto log = daemon.log();
  CHECK(occurrences(log, "the patrol log writer has 16 reports waiting") == 1);

  // Every patrol adds 3 transitions: the camera keeps its last 50, and the
  // root the last 20 reports.
  auto camera = daemon.get("/v1/cameras/g-one");
  auto finished = number(daemon.get("/v1/subnets/gamma"), "patrols_finished");
  CHECK(finished >= 21);
  CHECK(field(camera, "transitions").as_array().size() == 50);
  CHECK(number(camera, "attempts") * 3 > 50);
  auto reports = field(daemon.get("/v1/subnets/gamma/patrols?limit=20"), "patrols").as_array();
  REQUIRE(reports.size() == 20);
  std::vector<std::int64_t> ids;
  for (const auto& report : reports)
    ids.push_back(number(report, "patrol_id"));
  std::sort(ids.begin(), ids.end());
  CHECK(ids.back() - ids.front() == 19);
  CHECK(ids.front() > 1);

  // Paused, the subnet finishes its patrol; drained, the pipe gives back
  // exactly the patrols that were not dropped, each a whole JSON line.
  REQUIRE(daemon.call("POST", "/v1/subnets/gamma/pause").status == 200);
  REQUIRE(
      eventually([&] { return field(daemon.get("/v1/subnets/gamma"), "patrol").is_null(); }, 20s));
  finished = number(daemon.get("/v1/subnets/gamma"), "patrols_finished");
  dropped = metric(daemon.call("GET", "/metrics").body, "camfleet_patrol_log_dropped_total");
  std::string lines;
  bool accounted = eventually(
      [&] {
        patrol_log.read_available(lines);
        return static_cast<std::int64_t>(occurrences(lines, "\n")) + dropped == finished;
      },
      10s);
  INFO(finished << " patrols finished, " << dropped << " dropped, " << occurrences(lines, "\n")
                << " lines read");
  CHECK(accounted);
  std::istringstream each{lines};
  std::string line;
  while (std::getline(each, line)) {
    boost::system::error_code ec;
    auto value = json::parse(line, ec);
    CHECK(!ec);
    CHECK(text(value, "subnet") == "gamma");
  }
  REQUIRE(eventually(
      [&] { return daemon.log().find("the patrol log writer caught up") != std::string::npos; },
      10s));

  // A FIFO in place of the configuration: reload refuses it at once rather
  // than blocking the root while the patrol reports pile up in its mailbox.
  REQUIRE(std::remove(daemon.config_path().c_str()) == 0);
  REQUIRE(mkfifo(daemon.config_path().c_str(), 0600) == 0);
  auto reload_started = steady::now();
  auto refused = daemon.call("POST", "/v1/reload");
  CHECK(steady::now() - reload_started < 3s);
  INFO(refused.body);
  CHECK(refused.status == 422);
  CHECK(refused.body.find("is not a regular file") != std::string::npos);
  CHECK(number(daemon.get("/v1/fleet"), "cameras") == 1);

  // Resumed, patrols are logged again.
  REQUIRE(daemon.call("POST", "/v1/subnets/gamma/resume").status == 200);
  auto before = occurrences(lines, "\n");
  CHECK(eventually(
      [&] {
        patrol_log.read_available(lines);
        return occurrences(lines, "\n") > before;
      },
      10s));
}

TEST_CASE("bounds: a fleet root that stops answering holds at most 4 admin questions",
          "[admin][bounds]") {
  caf::actor_system_config config;
  camfleet::add_message_types(config);
  camfleet::add_admin_message_types(config);
  caf::actor_system system{config};
  auto control = std::make_shared<stalled_root_control>();
  auto root = system.spawn<caf::detached>(stalled_root, control);

  camfleet::admin_context context;
  context.system = &system;
  context.root = root;
  context.timeout = 200ms;
  camfleet::admin_request fleet_question;
  fleet_question.method = "GET";
  fleet_question.target = "/v1/fleet";

  // 50 requests: the first 4 wait for their timeout, the others are refused
  // at once without adding to the root's mailbox.
  std::size_t waited = 0;
  std::string refusal;
  for (int i = 0; i < 50; ++i) {
    auto started = steady::now();
    auto answer = camfleet::handle_admin_request(context, fleet_question);
    CHECK(answer.status == 503);
    if (steady::now() - started >= 200ms)
      ++waited;
    else
      refusal = answer.body;
  }
  CHECK(waited == 4);
  CHECK(context.unanswered->count() == 4);
  CHECK(text(json::parse(refusal), "error.code") == "unavailable");
  CHECK(refusal.find("has not answered 4 earlier questions") != std::string::npos);
  CHECK(control->questions == 1);

  // Released, the root answers the 4 it holds and no more; the late answers
  // reopen the way, and the next request is answered.
  control->release();
  CHECK(eventually([&] { return context.unanswered->count() == 0; }, 5s));
  CHECK(control->questions == 4);
  auto answer = camfleet::handle_admin_request(context, fleet_question);
  CHECK(answer.status == 200);
  CHECK(control->questions == 5);
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
}
