// The admin interface's clients against the real camfleetd: slow senders do
// not hold up the others, oversized requests are refused with the status
// naming the bound, and 200 console calls at once all get the right answer.

#include "tests/admin/admin_fixture.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

using namespace camfleet::admin_test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

using steady = std::chrono::steady_clock;

const char* scenario = R"({"subnets": [
  {"name": "alpha", "prefix": "127.88.50.0/24", "cameras": [
    {"id": "k-one", "address": "127.88.50.10", "port": 8554,
     "model": "Tapo C110", "session_limit": 8}]},
  {"name": "beta", "prefix": "127.88.51.0/24", "cameras": [
    {"id": "k-two", "address": "127.88.51.10", "port": 8554,
     "model": "Tapo C110", "session_limit": 8}]}]})";

// One patrol at start, then none for an hour: every answer compared below
// stays the same between two requests.
std::string config(const std::string& dir) {
  return R"({"snapshot_dir": ")" + dir + R"(/snapshots", "patrol_log": ")" + dir +
         R"(/patrols.jsonl", "admin": {"listen": "127.0.0.1:0"},
  "defaults": {"subnet": {"patrol_interval_ms": 3600000, "patrol_deadline_ms": 30000},
               "camera": {"connect_budget_ms": 2000, "capture_budget_ms": 8000}},
  "subnets": [
    {"name": "alpha", "cameras": [{"id": "k-one", "host": "127.88.50.10", "port": 8554}]},
    {"name": "beta", "cameras": [{"id": "k-two", "host": "127.88.51.10", "port": 8554}]}]})";
}

// Both first patrols have ended and been reported.
void wait_for_first_patrols(const daemon_fixture& daemon) {
  REQUIRE(eventually(
      [&] {
        auto subnets = daemon.get("/v1/subnets");
        for (const auto& s : field(subnets, "subnets").as_array())
          if (!field(s, "patrol").is_null() || field(s, "last_patrol").is_null())
            return false;
        return true;
      },
      30s));
}

// camsim and camfleetd with the two cameras, once both first patrols ended.
struct quiet_fleet {
  temp_dir dir;
  camsim_fixture cameras{dir, scenario};
  daemon_fixture daemon{dir, config(dir.path())};

  quiet_fleet() { wait_for_first_patrols(daemon); }
};

std::string get_request(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
}

// The status code and the body of a whole HTTP/1.1 answer; 0 when it is not
// one.
struct parsed_answer {
  unsigned status = 0;
  std::string body;
};

parsed_answer parse_answer(const std::string& raw) {
  parsed_answer answer;
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || raw.size() < 12)
    return answer;
  answer.status = static_cast<unsigned>(std::stoul(raw.substr(9, 3)));
  auto end_of_headers = raw.find("\r\n\r\n");
  if (end_of_headers != std::string::npos)
    answer.body = raw.substr(end_of_headers + 4);
  return answer;
}

// Whether `body` is the JSON `expected`.
bool same_json(const std::string& body, const json::value& expected) {
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  return !ec && value == expected;
}

// Lets `count` threads go at once, when every one of them is ready.
class starting_line {
 public:
  explicit starting_line(std::size_t count) : waiting_(count) {}

  void arrive_and_wait() {
    std::unique_lock<std::mutex> lock{mutex_};
    if (--waiting_ == 0)
      all_ready_.notify_all();
    all_ready_.wait_for(lock, 30s, [this] { return waiting_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable all_ready_;
  std::size_t waiting_;
};

// The TCP sockets `pid` holds open.
std::size_t count_sockets(pid_t pid) {
  std::size_t sockets = 0;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator{"/proc/" + std::to_string(pid) + "/fd", ec}) {
    std::error_code link_ec;
    auto target = std::filesystem::read_symlink(entry.path(), link_ec);
    sockets += !link_ec && target.string().rfind("socket:", 0) == 0;
  }
  return sockets;
}

} // namespace

TEST_CASE("admin clients: a client sending a byte at a time holds up no other client",
          "[admin][clients][integration]") {
  quiet_fleet fleet;
  const auto& daemon = fleet.daemon;
  auto expected = daemon.get("/v1/fleet");

  // Four slow clients that finish their request byte by byte in about 3 s,
  // and one that never finishes: the server's 10 s request timeout must
  // close it, without an answer.
  constexpr std::size_t slow_clients = 4;
  auto request = get_request("/v1/fleet");
  std::vector<std::string> slow_answers(slow_clients);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < slow_clients; ++i)
    threads.emplace_back([&, i] {
      raw_connection connection{daemon.port(), 15s};
      for (char byte : request) {
        if (!connection.send_all(std::string(1, byte)))
          return;
        std::this_thread::sleep_for(50ms);
      }
      slow_answers[i] = connection.read_all();
    });
  std::atomic<bool> endless_closed{false};
  std::atomic<std::int64_t> endless_closed_after_ms{-1};
  std::string endless_answer;
  threads.emplace_back([&] {
    raw_connection connection{daemon.port(), 1s};
    auto started = steady::now();
    std::string header = "GET /v1/fleet HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    // Bounded: 20 s of one byte every 100 ms at most.
    for (std::size_t i = 0; i < 200 && !connection.closed_by_server(); ++i) {
      if (!connection.send_all(std::string(1, i < header.size() ? header[i] : 'z')))
        break;
      std::this_thread::sleep_for(100ms);
    }
    endless_closed = connection.closed_by_server();
    endless_closed_after_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started).count();
    endless_answer = connection.read_all();
  });

  // Meanwhile other clients are served as if nobody else were there.
  std::this_thread::sleep_for(200ms);
  std::int64_t slowest_ms = 0;
  for (int i = 0; i < 20; ++i) {
    auto started = steady::now();
    auto answer = daemon.call("GET", i % 2 == 0 ? "/v1/fleet" : "/v1/subnets/alpha/patrols");
    auto took_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started).count();
    slowest_ms = std::max(slowest_ms, took_ms);
    CHECK(answer.status == 200);
    std::this_thread::sleep_for(100ms);
  }
  // Generous for a loaded two-core machine; a server waiting for the slow
  // ones would take seconds.
  CHECK(slowest_ms < 1500);

  for (auto& thread : threads)
    thread.join();
  for (const auto& raw : slow_answers) {
    auto answer = parse_answer(raw);
    INFO("slow client's answer: " << raw);
    CHECK(answer.status == 200);
    CHECK(same_json(answer.body, expected));
  }
  INFO("the endless client was closed after " << endless_closed_after_ms << " ms");
  CHECK(endless_closed);
  CHECK(endless_closed_after_ms >= 9000);
  CHECK(endless_closed_after_ms < 14000);
  CHECK(endless_answer.empty());
  CHECK(number(daemon.get("/v1/fleet"), "cameras") == 2);
}

TEST_CASE("admin clients: oversized requests are refused with the status naming the bound",
          "[admin][clients][integration]") {
  quiet_fleet fleet;
  const auto& daemon = fleet.daemon;

  auto expect_refusal = [&](const std::string& bytes, unsigned status, const std::string& code) {
    auto raw = raw_exchange(daemon.port(), bytes);
    auto answer = parse_answer(raw);
    INFO("answer: " << raw.substr(0, 400));
    CHECK(answer.status == status);
    CHECK(raw.find("Connection: close") != std::string::npos);
    boost::system::error_code ec;
    auto body = json::parse(answer.body, ec);
    REQUIRE(!ec);
    CHECK(text(body, "error.code") == code);
    CHECK(!text(body, "error.message").empty());
  };

  SECTION("a request line past the 8 KiB header bound gets 414") {
    expect_refusal("GET /v1/cameras/" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n", 414,
                   "uri_too_long");
    // The request line never ends: refused as soon as it passes the bound.
    expect_refusal("GET /" + std::string(20000, 'a'), 414, "uri_too_long");
  }
  SECTION("a target past 2048 bytes within the header bound gets 414") {
    expect_refusal(get_request("/v1/cameras/" + std::string(2040, 'a')), 414, "uri_too_long");
  }
  SECTION("many small headers past 8 KiB get 431") {
    std::string headers;
    for (int i = 0; i < 400; ++i)
      headers += "X-H" + std::to_string(i) + ": 12345678901234567890\r\n";
    expect_refusal("GET /v1/fleet HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n", 431,
                   "headers_too_large");
  }
  SECTION("one header past 8 KiB gets 431") {
    expect_refusal("GET /v1/fleet HTTP/1.1\r\nHost: x\r\nCookie: " + std::string(9000, 'c') +
                       "\r\n\r\n",
                   431, "headers_too_large");
  }
  SECTION("bodies: 64 KiB is accepted, one byte more is 413, declared or chunked") {
    // Whitespace is an empty body to an act: the request is handled.
    auto at_bound = daemon.call("POST", "/v1/cameras/k-one/reset", std::string(64 * 1024, ' '));
    CHECK(at_bound.status == 200);
    expect_refusal("POST /v1/cameras/k-one/reset HTTP/1.1\r\nHost: x\r\nContent-Length: 65537"
                   "\r\n\r\n" +
                       std::string(65537, ' '),
                   413, "payload_too_large");
    // Chunks of 16 KiB each: the fifth passes the bound.
    std::string chunked = "POST /v1/cameras/k-one/reset HTTP/1.1\r\nHost: x\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 5; ++i)
      chunked += "4000\r\n" + std::string(16 * 1024, ' ') + "\r\n";
    chunked += "0\r\n\r\n";
    expect_refusal(chunked, 413, "payload_too_large");
  }
  // After every refusal the daemon still answers.
  CHECK(number(daemon.get("/v1/fleet"), "cameras") == 2);
}

TEST_CASE("admin clients: 200 console calls at once all get the right answer",
          "[admin][clients][integration]") {
  quiet_fleet fleet;
  const auto& daemon = fleet.daemon;
  const std::vector<std::string> targets{"/v1/fleet", "/v1/subnets/alpha/patrols",
                                         "/v1/subnets/beta", "/v1/subnets"};
  // Each target's JSON from a single call; none of them changes while no
  // patrol runs (a camera's would: its time in state).
  std::vector<json::value> expected;
  for (const auto& target : targets)
    expected.push_back(daemon.get(target));
  constexpr std::size_t clients = 200;

  SECTION("200 connections open at once, past the server's connection bound") {
    // Every client connects first and sends only when all are connected:
    // 200 connections are open together, more than the server serves at
    // once, and the ones past its bound wait in the listen backlog.
    // The test's thread is the last to arrive, once the daemon holds as
    // many of them as it serves at once.
    // The daemon's own sockets, once the connections of the single calls
    // above are closed on its side too (it notices each client's close on
    // its next read): the least seen over a second of a quiet fleet.
    auto sockets_before = count_sockets(daemon.pid());
    for (int i = 0; i < 20; ++i) {
      std::this_thread::sleep_for(50ms);
      sockets_before = std::min(sockets_before, count_sockets(daemon.pid()));
    }
    starting_line line{clients + 1};
    std::vector<std::string> answers(clients);
    std::atomic<std::size_t> connected{0};
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < clients; ++i)
      threads.emplace_back([&, i] {
        raw_connection connection{daemon.port(), 30s};
        connected += connection.connected() ? 1 : 0;
        line.arrive_and_wait();
        if (connection.send_all(get_request(targets[i % targets.size()])))
          answers[i] = connection.read_all();
      });
    CHECK(eventually([&] { return connected == clients; }, 10s));
    // 128: the server's bound (fleet/admin_server.cpp). The accepted ones
    // wait for their request, within the 10 s request timeout.
    CHECK(eventually([&] { return count_sockets(daemon.pid()) >= sockets_before + 128; }, 8s));
    line.arrive_and_wait();
    for (auto& thread : threads)
      thread.join();
    std::size_t right = 0;
    for (std::size_t i = 0; i < clients; ++i) {
      auto answer = parse_answer(answers[i]);
      INFO("client " << i << " asked " << targets[i % targets.size()]
                     << ", answer: " << answers[i].substr(0, 300));
      CHECK(answer.status == 200);
      CHECK(same_json(answer.body, expected[i % targets.size()]));
      right += answer.status == 200 && same_json(answer.body, expected[i % targets.size()]);
    }
    CHECK(right == clients);
    CHECK(daemon.log().find("128 connections open; further ones wait") != std::string::npos);
  }
  SECTION("200 camfleetctl processes at once") {
    auto reference = json::serialize(daemon.get("/v1/fleet"));
    std::vector<run_result> results(clients);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < clients; ++i)
      threads.emplace_back([&, i] {
        try {
          results[i] = daemon.ctl({"status", "--json"});
        } catch (const std::exception& error) {
          results[i].err = error.what(); // reported below, on the test's thread
        }
      });
    for (auto& thread : threads)
      thread.join();
    std::size_t right = 0;
    for (std::size_t i = 0; i < clients; ++i) {
      INFO("camfleetctl " << i << " exited " << results[i].exit_code << ": " << results[i].out
                          << results[i].err);
      CHECK(results[i].exit_code == 0);
      CHECK(same_json(results[i].out, json::parse(reference)));
      right += results[i].exit_code == 0 && same_json(results[i].out, json::parse(reference));
    }
    CHECK(right == clients);
  }
}
