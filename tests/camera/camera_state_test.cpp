#include "camera/camera_state.hpp"

#include <array>

#include <catch2/catch.hpp>

using namespace camfleet;
using namespace std::chrono_literals;

namespace {

// A clock that only moves when the test says so.
struct test_clock {
  timestamp now{std::chrono::steady_clock::time_point{} + 1h,
                std::chrono::system_clock::time_point{} + 1h};

  timestamp advance(std::chrono::milliseconds by) {
    now.mono += by;
    now.wall += by;
    return now;
  }
};

constexpr std::array<camera_state, 4> all_states{camera_state::idle, camera_state::connecting,
                                                 camera_state::capturing, camera_state::backoff};

} // namespace

TEST_CASE("camera_state_machine: the transition graph", "[camera]") {
  using s = camera_state;
  auto edge = [](s from, s to) { return camera_state_machine::allowed(from, to); };

  SECTION("exactly the documented edges are allowed") {
    int allowed_edges = 0;
    for (auto from : all_states)
      for (auto to : all_states)
        allowed_edges += edge(from, to) ? 1 : 0;
    CHECK(allowed_edges == 7);
    CHECK(edge(s::idle, s::connecting));
    CHECK(edge(s::connecting, s::capturing));
    CHECK(edge(s::connecting, s::idle));
    CHECK(edge(s::connecting, s::backoff));
    CHECK(edge(s::capturing, s::idle));
    CHECK(edge(s::capturing, s::backoff));
    CHECK(edge(s::backoff, s::idle));
  }

  SECTION("a state never transitions to itself") {
    for (auto st : all_states)
      CHECK_FALSE(edge(st, st));
  }
}

TEST_CASE("camera_state_machine: a successful capture", "[camera]") {
  test_clock clock;
  camera_state_machine machine{clock.now};

  REQUIRE(machine.start_capture(clock.advance(10ms), "patrol 1"));
  CHECK(machine.state() == camera_state::connecting);
  REQUIRE(machine.session_ready(clock.advance(20ms)));
  CHECK(machine.state() == camera_state::capturing);
  REQUIRE(machine.capture_succeeded(clock.advance(150ms)));
  CHECK(machine.state() == camera_state::idle);

  CHECK(machine.attempts() == 1);
  CHECK(machine.successes() == 1);
  CHECK(machine.failures() == 0);
  REQUIRE(machine.last_success().has_value());
  CHECK(machine.last_success()->mono == clock.now.mono);
  REQUIRE(machine.history().size() == 3);
  CHECK(machine.history()[0].reason == "patrol 1");
  CHECK(machine.history()[2].to == camera_state::idle);
}

TEST_CASE("camera_state_machine: a live session ends", "[camera]") {
  test_clock clock;
  camera_state_machine machine{clock.now};

  SECTION("after its pictures: a success") {
    REQUIRE(machine.start_capture(clock.advance(1ms), "live view"));
    REQUIRE(machine.session_ready(clock.advance(1ms)));
    REQUIRE(machine.session_closed(clock.advance(5s), true, "live view ended"));
    CHECK(machine.state() == camera_state::idle);
    CHECK(machine.successes() == 1);
    CHECK(machine.history().back().reason == "live view ended");
  }
  SECTION("before its first picture: idle again, not a success") {
    REQUIRE(machine.start_capture(clock.advance(1ms), "live view"));
    REQUIRE(machine.session_closed(clock.advance(1ms), false, "every viewer left"));
    CHECK(machine.state() == camera_state::idle);
    CHECK(machine.successes() == 0);
    CHECK_FALSE(machine.last_success());
  }
  SECTION("refused outside a session") {
    CHECK_FALSE(machine.session_closed(clock.advance(1ms), true, "nothing"));
    CHECK(machine.history().empty());
  }
  SECTION("a snapshot still needs a playing session") {
    REQUIRE(machine.start_capture(clock.advance(1ms), "patrol 1"));
    CHECK_FALSE(machine.capture_succeeded(clock.advance(1ms)));
    CHECK(machine.state() == camera_state::connecting);
  }
}

TEST_CASE("camera_state_machine: refused transitions change nothing", "[camera]") {
  test_clock clock;
  camera_state_machine machine{clock.now};

  SECTION("success without a capture") {
    CHECK_FALSE(machine.capture_succeeded(clock.advance(1ms)));
  }
  SECTION("a second capture while one runs") {
    REQUIRE(machine.start_capture(clock.advance(1ms), "patrol 1"));
    CHECK_FALSE(machine.start_capture(clock.advance(1ms), "patrol 1 again"));
    CHECK(machine.attempts() == 1);
  }
  SECTION("a failure while idle") {
    CHECK_FALSE(machine.capture_failed(clock.advance(1ms), failure_kind::reset, 1s));
    CHECK(machine.failures() == 0);
  }
  SECTION("leaving backoff when not backing off") {
    CHECK_FALSE(machine.backoff_elapsed(clock.advance(1ms)));
    CHECK_FALSE(machine.reset_backoff(clock.advance(1ms)));
  }
  SECTION("a capture while backing off") {
    REQUIRE(machine.start_capture(clock.advance(1ms), "patrol 1"));
    REQUIRE(machine.capture_failed(clock.advance(1ms), failure_kind::refused, 5s));
    CHECK_FALSE(machine.start_capture(clock.advance(1ms), "patrol 2"));
  }
  CHECK(machine.history().size() <= 2);
}

TEST_CASE("camera_state_machine: failures back off and count", "[camera]") {
  test_clock clock;
  camera_state_machine machine{clock.now};

  for (std::uint32_t i = 1; i <= 3; ++i) {
    REQUIRE(machine.start_capture(clock.advance(1ms), "patrol"));
    REQUIRE(machine.capture_failed(clock.advance(1ms), failure_kind::no_key_frame, 2s));
    CHECK(machine.consecutive_failures() == i);
    CHECK(machine.backoff_until() == clock.now.mono + 2s);

    SECTION("leaving backoff early is refused, " + std::to_string(i)) {
      CHECK_FALSE(machine.backoff_elapsed(clock.advance(1999ms)));
      CHECK(machine.state() == camera_state::backoff);
    }
    REQUIRE(machine.backoff_elapsed(clock.advance(2s)));
  }
  CHECK(machine.last_failure() == failure_kind::no_key_frame);

  SECTION("a success clears the consecutive failures") {
    REQUIRE(machine.start_capture(clock.advance(1ms), "patrol"));
    REQUIRE(machine.session_ready(clock.advance(1ms)));
    REQUIRE(machine.capture_succeeded(clock.advance(1ms)));
    CHECK(machine.consecutive_failures() == 0);
    CHECK(machine.failures() == 3);
  }
  SECTION("an operator reset ends backoff at once and clears the count") {
    REQUIRE(machine.start_capture(clock.advance(1ms), "patrol"));
    REQUIRE(machine.capture_failed(clock.advance(1ms), failure_kind::reset, 60s));
    REQUIRE(machine.reset_backoff(clock.advance(1ms)));
    CHECK(machine.state() == camera_state::idle);
    CHECK(machine.consecutive_failures() == 0);
  }
}

TEST_CASE("camera_state_machine: history is bounded", "[camera]") {
  test_clock clock;
  camera_state_machine machine{clock.now, 4};
  for (int i = 0; i < 10; ++i) {
    REQUIRE(machine.start_capture(clock.advance(1ms), "patrol " + std::to_string(i)));
    REQUIRE(machine.session_ready(clock.advance(1ms)));
    REQUIRE(machine.capture_succeeded(clock.advance(1ms)));
  }
  REQUIRE(machine.history().size() == 4);
  CHECK(machine.history().back().to == camera_state::idle);
  CHECK(machine.history().front().to == camera_state::idle);
  CHECK(machine.history()[1].reason == "patrol 9");
}
