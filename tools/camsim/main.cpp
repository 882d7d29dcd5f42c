// camsim: a fleet of misbehaving RTSP cameras on loopback, for camfleet's
// chaos tests and benchmarks. See tools/camsim/README.md.

#include "tools/camsim/json_path.hpp"
#include "tools/camsim/logging.hpp"
#include "tools/camsim/scenario.hpp"
#include "tools/camsim/simulator.hpp"

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

extern "C" {
#include <libavutil/log.h>
}

#include <sys/resource.h>

namespace {

// 1,000 cameras with a few clients each need more descriptors than the usual
// soft limit of 1,024; the hard limit is ours to take.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

} // namespace

int main(int argc, char** argv) {
  using namespace camfleet::camsim;

  CLI::App app{"camsim: a scriptable fleet of misbehaving RTSP cameras on loopback"};
  std::string scenario_file;
  std::string control = "127.0.0.1:0";
  double duration_s = 0;
  std::string log_level = "info";
  bool stagger_streams = false;
  app.add_option("--scenario", scenario_file, "scenario file (JSON)")->required();
  app.add_option("--control", control, "control API address, loopback only")->capture_default_str();
  app.add_option("--duration-s", duration_s, "stop after this many seconds")
      ->check(CLI::PositiveNumber);
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error")
      ->capture_default_str();
  app.add_flag("--stagger-streams", stagger_streams,
               "start each camera's stream at a random point of its clip, so that cameras "
               "sharing a clip do not send key frames in lockstep");
  CLI11_PARSE(app, argc, argv);

  try {
    setup_logging(log_level);
  } catch (const std::exception& e) {
    std::cerr << "camsim: " << e.what() << "\n";
    return 2;
  }

  // libx264 reports its statistics at info level; only debug runs want them.
  av_log_set_level(log_level == "debug" || log_level == "trace" ? AV_LOG_INFO : AV_LOG_ERROR);

  simulator_options options;
  try {
    auto where = parse_loopback_endpoint(control);
    options.control = where;
  } catch (const std::exception& e) {
    std::cerr << "camsim: --control: " << e.what() << "\n";
    return 2;
  }
  options.stagger_streams = stagger_streams;
  if (duration_s > 0)
    options.duration = std::chrono::milliseconds{static_cast<std::int64_t>(duration_s * 1000)};

  scenario fleet;
  try {
    fleet = load_scenario(scenario_file);
  } catch (const std::exception& e) {
    std::cerr << "camsim: scenario " << scenario_file << ": " << e.what() << "\n";
    return 2;
  }

  raise_descriptor_limit();
  simulator sim{std::move(fleet), options};
  try {
    sim.start();
  } catch (const std::exception& e) {
    spdlog::error("camsim: cannot start: {}", e.what());
    return 1;
  }

  boost::asio::signal_set signals{sim.io(), SIGINT, SIGTERM};
  signals.async_wait([&sim](boost::system::error_code ec, int signal) {
    if (ec)
      return;
    spdlog::info("camsim: signal {}, stopping", signal);
    sim.stop();
  });

  // The line tests and scripts wait for: every listener is bound.
  std::cout << "ready control=" << sim.control_address() << " cameras=" << sim.cameras().size()
            << std::endl;

  sim.run();
  signals.cancel();
  spdlog::info("camsim: stopped");
  return 0;
}
