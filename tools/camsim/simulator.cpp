#include "tools/camsim/simulator.hpp"

#include "tools/camsim/control_api.hpp"
#include "tools/camsim/control_server.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace camfleet::camsim {

namespace {

// Session expiry is checked this often, so a session outlives its timeout by
// at most this much: well inside the 1 s granularity of session_timeout_s.
constexpr auto sweep_interval = std::chrono::milliseconds{100};
// After stop(), pending handlers get this long to finish before run() is cut.
constexpr auto drain_limit = std::chrono::milliseconds{500};

} // namespace

simulator::simulator(scenario fleet, simulator_options options)
  : scenario_(std::move(fleet)), options_(std::move(options)), sweep_timer_(io_),
    timeline_timer_(io_), duration_timer_(io_), drain_timer_(io_) {}

simulator::~simulator() {
  // Close sockets while the io_context is still whole.
  shut_down();
}

void simulator::start() {
  if (options_.seed == 0)
    options_.seed =
        (static_cast<std::uint64_t>(std::random_device{}()) << 32) | std::random_device{}();
  std::mt19937_64 seeds{options_.seed};

  // Cameras, each with the clip of its stream parameters.
  for (const auto& config : scenario_.cameras) {
    std::shared_ptr<const h264_clip> clip;
    try {
      clip = clips_.get(config.stream);
    } catch (const std::exception& e) {
      throw std::runtime_error("camera '" + config.id + "': " + e.what());
    }
    cameras_.push_back(std::make_unique<camera>(io_, config, clip, seeds()));
  }
  for (auto& cam : cameras_) {
    try {
      cam->start();
    } catch (const std::exception& e) {
      throw std::runtime_error("camera '" + cam->config().id + "' cannot listen on " +
                               to_string(cam->config().address, cam->config().port) + ": " +
                               e.what());
    }
    if (options_.stagger_streams) {
      const auto& clip = cam->clip();
      auto clip_ms = static_cast<std::uint64_t>(clip.frames.size()) * 1000 /
                     static_cast<std::uint64_t>(clip.params.fps);
      cam->advance_stream(std::chrono::milliseconds{seeds() % std::max<std::uint64_t>(clip_ms, 1)});
    }
  }

  // The control API, served from the same thread as the cameras.
  control_ = std::make_unique<control_server>(
      io_, options_.control,
      [this](const control_request& request) { return handle_control(*this, request); });
  control_->start();

  started_at_ = std::chrono::steady_clock::now();
  sweep();
  schedule_timeline();
  if (options_.duration) {
    duration_timer_.expires_after(*options_.duration);
    duration_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) {
        spdlog::info("camsim: duration over, stopping");
        shut_down();
      }
    });
  }
  spdlog::info("camsim: {} cameras from {} subnets, {} clips, control API on {}", cameras_.size(),
               scenario_.subnets.size(), clips_.size(), control_address());
}

void simulator::run() {
  if (stop_requested_)
    return;
  io_.run();
}

void simulator::stop() {
  stop_requested_ = true;
  boost::asio::post(io_, [this] { shut_down(); });
}

std::uint16_t simulator::control_port() const noexcept {
  return control_ ? control_->port() : 0;
}

std::string simulator::control_address() const {
  return to_string(options_.control.address, control_port());
}

camera* simulator::find(std::string_view id) {
  for (auto& cam : cameras_)
    if (cam->config().id == id)
      return cam.get();
  return nullptr;
}

std::chrono::milliseconds simulator::uptime() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               started_at_);
}

void simulator::sweep() {
  auto now = std::chrono::steady_clock::now();
  for (auto& cam : cameras_)
    cam->sweep(now);
  sweep_timer_.expires_after(sweep_interval);
  sweep_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec)
      sweep();
  });
}

void simulator::schedule_timeline() {
  if (next_event_ >= scenario_.timeline.size())
    return;
  const auto& event = scenario_.timeline[next_event_];
  timeline_timer_.expires_at(started_at_ + std::chrono::milliseconds{event.at_ms});
  timeline_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec)
      return;
    // Every event due now, in file order.
    auto elapsed = uptime().count();
    while (next_event_ < scenario_.timeline.size() &&
           scenario_.timeline[next_event_].at_ms <= elapsed) {
      const auto& due = scenario_.timeline[next_event_++];
      spdlog::info("camsim: timeline at {} ms: camera {}", due.at_ms, due.camera);
      for (auto& cam : cameras_)
        if (due.camera == "*" || cam->config().id == due.camera)
          cam->set_behaviour(due.change);
    }
    schedule_timeline();
  });
}

void simulator::shut_down() {
  if (shut_down_)
    return;
  shut_down_ = true;
  sweep_timer_.cancel();
  timeline_timer_.cancel();
  duration_timer_.cancel();
  if (control_)
    control_->stop();
  for (auto& cam : cameras_)
    cam->stop();

  // Let the cancelled operations complete; cut off whatever lingers.
  drain_timer_.expires_after(drain_limit);
  drain_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec)
      io_.stop();
  });
}

} // namespace camfleet::camsim
