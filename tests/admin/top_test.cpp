// camfleetctl top in a real terminal (tmux): the table shows each subnet's
// numbers as the API does, and q quits with the terminal restored.

#include "tests/admin/admin_fixture.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <unistd.h>

using namespace camfleet::admin_test;
using namespace std::chrono_literals;

namespace {

// A tmux server of the test's own (its own socket name), killed on the way
// out whatever happens.
class tmux_server {
 public:
  tmux_server() : socket_("camfleet-admin-test-" + std::to_string(getpid())) {}
  ~tmux_server() { run({"kill-server"}); }
  tmux_server(const tmux_server&) = delete;
  tmux_server& operator=(const tmux_server&) = delete;

  run_result run(std::vector<std::string> args) const {
    std::vector<std::string> argv{"/usr/bin/tmux", "-L", socket_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {}, 10s);
  }

  std::string pane() const { return run({"capture-pane", "-p", "-t", "top"}).out; }

 private:
  std::string socket_;
};

} // namespace

TEST_CASE("console: top shows the subnets table and quits on q", "[admin][console][integration]") {
  temp_dir dir;
  camsim_fixture cameras{dir, R"({"subnets": [{"name": "t", "prefix": "127.88.40.0/24",
    "cameras": [{"id": "t-ok", "address": "127.88.40.10", "port": 8554,
      "model": "Tapo C110", "session_limit": 8},
                {"id": "t-two", "address": "127.88.40.11", "port": 8554,
                 "model": "Tapo C110", "session_limit": 8}]}]})"};
  daemon_fixture daemon{dir, R"({"snapshot_dir": ")" + dir.path() + R"(/snap",
    "patrol_log": ")" + dir.path() +
                                 R"(/patrols.jsonl", "admin": {"listen": "127.0.0.1:0"},
    "subnets": [{"name": "t", "patrol_interval_ms": 3600000, "cameras": [
      {"id": "t-ok", "host": "127.88.40.10", "port": 8554},
      {"id": "t-two", "host": "127.88.40.11", "port": 8554}]}]})"};
  REQUIRE(eventually([&] { return !field(daemon.get("/v1/subnets/t"), "last_patrol").is_null(); },
                     30s));

  tmux_server tmux;
  // After top ends, the shell records the terminal's mode, to prove that
  // top restored canonical mode and echo.
  auto command = camfleetctl_path() + " --url " + daemon.url() + " top; stty -a > " +
                 dir.file("stty.txt") + "; echo done > " + dir.file("done.txt") + "; sleep 30";
  REQUIRE(
      tmux.run({"new-session", "-d", "-s", "top", "-x", "160", "-y", "30", command}).exit_code ==
      0);

  std::string screen;
  REQUIRE(eventually(
      [&] {
        screen = tmux.pane();
        return screen.find("SUBNET") != std::string::npos &&
               screen.find("(q to quit)") != std::string::npos;
      },
      10s));
  INFO(screen);
  auto subnet = daemon.get("/v1/subnets/t");
  auto fleet = daemon.get("/v1/fleet");
  CHECK(screen.find("cameras " + std::to_string(number(fleet, "cameras")) + "  open sessions " +
                    std::to_string(number(fleet, "open_sessions"))) != std::string::npos);
  auto last = "#" + std::to_string(number(subnet, "last_patrol.id")) + " " +
              std::to_string(number(subnet, "last_patrol.captured")) + "/" +
              std::to_string(number(subnet, "last_patrol.cameras")) + " in ";
  CHECK(screen.find(last) != std::string::npos);
  auto row_at = screen.find("\nt ");
  REQUIRE(row_at != std::string::npos);
  CHECK(screen.substr(row_at, 30).find(" 2 ") != std::string::npos);

  // A patrol started now appears with its progress on the next refresh.
  REQUIRE(daemon.call("POST", "/v1/subnets/t/patrol").status == 200);
  CHECK(eventually(
      [&] {
        auto now = daemon.get("/v1/subnets/t");
        auto pane = tmux.pane();
        return number(now, "last_patrol.id") == 2 && pane.find("#2 ") != std::string::npos;
      },
      15s));

  REQUIRE(tmux.run({"send-keys", "-t", "top", "q"}).exit_code == 0);
  REQUIRE(eventually([&] { return read_file(dir.file("done.txt")) == "done\n"; }, 10s));
  auto stty = read_file(dir.file("stty.txt"));
  CHECK(stty.find(" icanon") != std::string::npos);
  CHECK(stty.find(" echo ") != std::string::npos);

  // Ctrl-C ends it the same way, the terminal restored too.
  auto again = camfleetctl_path() + " --url " + daemon.url() + " top; echo $? > " +
               dir.file("status.txt") + "; stty -a > " + dir.file("stty2.txt") + "; sleep 30";
  REQUIRE(tmux.run({"new-session", "-d", "-s", "top2", "-x", "160", "-y", "30", again}).exit_code ==
          0);
  REQUIRE(eventually(
      [&] {
        return tmux.run({"capture-pane", "-p", "-t", "top2"}).out.find("(q to quit)") !=
               std::string::npos;
      },
      10s));
  REQUIRE(tmux.run({"send-keys", "-t", "top2", "C-c"}).exit_code == 0);
  REQUIRE(eventually([&] { return !read_file(dir.file("stty2.txt")).empty(); }, 10s));
  CHECK(read_file(dir.file("status.txt")) == "0\n");
  auto stty2 = read_file(dir.file("stty2.txt"));
  CHECK(stty2.find(" icanon") != std::string::npos);
  CHECK(stty2.find(" echo ") != std::string::npos);
}
