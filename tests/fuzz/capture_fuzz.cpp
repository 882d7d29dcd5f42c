// Fuzz target: the capture path (camera/snapshot_capture.cpp and
// camera/rtsp_input.cpp, with libavformat's RTSP client inside) against a
// scripted camera: a thread in this process listens on 127.0.0.1 (port 0)
// and answers each RTSP request with the next fuzzer-made reply.
//
// Input: replies separated by lines "--camfleet-fuzz-reply--". "$CSEQ" in a
// reply becomes the CSeq of the request it answers. Bytes after a reply's
// headers go out with it (an SDP body, or interleaved RTP after PLAY). When
// the replies run out the camera closes the connection. Budgets are short
// (connect 250 ms, capture 400 ms, teardown 150 ms), so every input ends well
// under a second.

#include "camera/av_log_bridge.hpp"
#include "camera/snapshot_capture.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace camfleet;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr std::string_view reply_separator = "--camfleet-fuzz-reply--\n";

std::vector<std::string> split_replies(std::string_view input) {
  std::vector<std::string> replies;
  for (;;) {
    auto end = input.find(reply_separator);
    replies.emplace_back(input.substr(0, end));
    if (end == std::string_view::npos)
      return replies;
    input.remove_prefix(end + reply_separator.size());
  }
}

// The CSeq header's value in one request's header section, "0" without one.
std::string cseq_of(std::string_view head) {
  for (std::string_view name : {"\nCSeq:", "\ncseq:", "\nCSEQ:"}) {
    auto at = head.find(name);
    if (at == std::string_view::npos)
      continue;
    auto value = head.substr(at + name.size());
    value = value.substr(0, value.find_first_of("\r\n"));
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    return std::string{value};
  }
  return "0";
}

std::string with_cseq(std::string reply, const std::string& cseq) {
  for (auto at = reply.find("$CSEQ"); at != std::string::npos; at = reply.find("$CSEQ", at))
    reply.replace(at, 5, cseq);
  return reply;
}

// A camera that plays back fuzzer-made replies. Owns its listening socket for
// the whole run; serve() handles one capture's connections until `done`.
class scripted_camera {
 public:
  scripted_camera() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (listen_fd_ < 0 ||
        ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 8) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      std::abort();
    port_ = ntohs(address.sin_port);
  }

  ~scripted_camera() { ::close(listen_fd_); }

  scripted_camera(const scripted_camera&) = delete;
  scripted_camera& operator=(const scripted_camera&) = delete;

  std::uint16_t port() const noexcept { return port_; }

  // Accepts connections and answers requests with `replies` in order, until
  // `done` is set (the capture returned) or `until` passes.
  void serve(const std::vector<std::string>& replies, const std::atomic<bool>& done,
             steady::time_point until) {
    std::size_t next_reply = 0;
    int fd = -1;
    std::string received;
    while (!done.load() && steady::now() < until) {
      pollfd watched{fd >= 0 ? fd : listen_fd_, POLLIN, 0};
      if (::poll(&watched, 1, 10) <= 0)
        continue;
      if (fd < 0) {
        fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        received.clear();
        continue;
      }
      char buffer[4096];
      auto n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) {
        ::close(fd);
        fd = -1;
        continue;
      }
      received.append(buffer, static_cast<std::size_t>(n));

      // Answer every complete request (libav sends no request bodies but
      // SET_PARAMETER's, which it never sends here).
      for (auto end = received.find("\r\n\r\n"); end != std::string::npos;
           end = received.find("\r\n\r\n")) {
        auto head = received.substr(0, end + 2);
        received.erase(0, end + 4);
        if (next_reply == replies.size()) {
          // Out of replies: the camera hangs up, as a crashed one does.
          ::close(fd);
          fd = -1;
          break;
        }
        auto reply = with_cseq(replies[next_reply++], cseq_of("\n" + head));
        if (::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL) < 0) {
          ::close(fd);
          fd = -1;
          break;
        }
      }
    }
    if (fd >= 0)
      ::close(fd);
    // A connection libav opened but we never accepted is reset here.
    for (pollfd pending{listen_fd_, POLLIN, 0}; ::poll(&pending, 1, 0) > 0;)
      if (int late = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC); late >= 0)
        ::close(late);
      else
        break;
  }

 private:
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
};

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // libav's messages go through the bridge, as in camfleetd, but nothing is
  // printed: a fuzzing run writes millions of them. CAMFLEET_FUZZ_LOG=1
  // prints them, to see what one input does.
  install_av_log_bridge();
  if (std::getenv("CAMFLEET_FUZZ_LOG") != nullptr) {
    spdlog::set_level(spdlog::level::trace);
    set_libav_log_level(libav_log_level::trace);
  } else {
    spdlog::set_level(spdlog::level::off);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static scripted_camera camera;
  auto replies = split_replies({reinterpret_cast<const char*>(data), size});

  stream_endpoint endpoint;
  endpoint.host = "127.0.0.1";
  endpoint.port = camera.port();
  endpoint.path = "/stream1";
  endpoint.username = "camfleet";
  endpoint.password = "fuzz-secret";
  capture_budget budget;
  budget.connect = 250ms;
  budget.capture = 400ms;
  budget.teardown = 150ms;

  std::atomic<bool> done{false};
  std::thread server{[&] { camera.serve(replies, done, steady::now() + 2s); }};
  std::atomic<bool> cancel{false};
  auto started = steady::now();
  auto result = capture_snapshot("fuzz-cam", endpoint, budget, cancel);
  auto took = steady::now() - started;
  done = true;
  server.join();

  // The capture's contract (snapshot_capture.hpp): back within the capture
  // budget plus the teardown budget plus libav's polling interval (with room
  // for a loaded, instrumented build), and no failure text holds the password.
  if (took > budget.capture + budget.teardown + 1s)
    std::abort();
  if (auto failure = std::get_if<capture_failure>(&result))
    if (failure->detail.find(endpoint.password) != std::string::npos)
      std::abort();
  return 0;
}
