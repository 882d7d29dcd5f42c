// camfleetctl top: the subnets table, redrawn every second, until q or
// Ctrl-C. The terminal is put in non-canonical mode without echo so that q
// is read at once, and put back as it was on every way out (RAII), including
// Ctrl-C, which only sets a flag here.

#include "tools/camfleetctl/commands.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <poll.h>
#include <termios.h>
#include <unistd.h>

namespace camfleet::ctl {

namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) {
  interrupted = true;
}

// Non-canonical, no echo, for as long as it lives; a no-op when stdin is not
// a terminal (the tests drive top through tmux, which gives it one).
class raw_terminal {
 public:
  raw_terminal() {
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_) != 0)
      return;
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    active_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }

  ~raw_terminal() {
    if (active_)
      tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }

  raw_terminal(const raw_terminal&) = delete;
  raw_terminal& operator=(const raw_terminal&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

// Ctrl-C sets a flag for as long as it lives; the previous handler returns.
class interrupt_guard {
 public:
  interrupt_guard() {
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &saved_int_);
    sigaction(SIGTERM, &action, &saved_term_);
  }

  ~interrupt_guard() {
    sigaction(SIGINT, &saved_int_, nullptr);
    sigaction(SIGTERM, &saved_term_, nullptr);
  }

  interrupt_guard(const interrupt_guard&) = delete;
  interrupt_guard& operator=(const interrupt_guard&) = delete;

 private:
  struct sigaction saved_int_ {};
  struct sigaction saved_term_ {};
};

// Waits up to `ms` for a key; true if it was q or Q.
bool quit_key_within(int ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{ms};
  while (!interrupted) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0)
      return false;
    pollfd input{STDIN_FILENO, POLLIN, 0};
    int ready = poll(&input, 1, static_cast<int>(left));
    if (ready <= 0)
      continue;
    char key = 0;
    auto n = read(STDIN_FILENO, &key, 1);
    if (n == 1 && (key == 'q' || key == 'Q'))
      return true;
    if (n == 0)
      // End of input (not a terminal and nothing more to read): just wait.
      poll(nullptr, 0, static_cast<int>(left));
  }
  return false;
}

std::string clock_now() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char text[40];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S%z", &local);
  return text;
}

} // namespace

int cmd_top(const ctl_context& ctl, int max_refreshes) {
  interrupted = false;
  interrupt_guard guard;
  raw_terminal terminal;
  int refreshes = 0;
  int status = exit_ok;
  while (!interrupted) {
    boost::json::value fleet;
    boost::json::value subnets;
    status = request_json(ctl, "GET", "/v1/fleet", fleet);
    if (status == exit_ok)
      status = request_json(ctl, "GET", "/v1/subnets", subnets);
    if (status != exit_ok)
      break;

    const auto& f = fleet.get_object();
    std::string screen = "\x1b[H\x1b[2J";
    screen += "camfleet top  " + ctl.url + "  " + clock_now() + "   (q to quit)\n";
    screen += "cameras " + boost::json::serialize(f.at("cameras")) + "  open sessions " +
              boost::json::serialize(f.at("open_sessions")) + "  stuck " +
              boost::json::serialize(f.at("stuck_cameras")) + "  patrols running " +
              boost::json::serialize(f.at("patrols_running")) + "\n\n";
    screen += subnets_table(subnets.get_object().at("subnets"), ctl.colour);
    std::fputs(screen.c_str(), stdout);
    std::fflush(stdout);

    if (max_refreshes > 0 && ++refreshes >= max_refreshes)
      break;
    if (quit_key_within(1000))
      break;
  }
  std::fputs("\n", stdout);
  return status;
}

} // namespace camfleet::ctl
