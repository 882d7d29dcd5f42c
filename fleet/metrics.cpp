#include "fleet/metrics.hpp"

#include <cstdio>

namespace camfleet {

namespace {

std::string format_number(double value) {
  char text[64];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void render_per_subnet(std::string& out, const char* name,
                       const std::map<std::string, std::uint64_t>& counts) {
  for (const auto& [subnet, n] : counts)
    out +=
        std::string{name} + "{subnet=\"" + escape_label(subnet) + "\"} " + std::to_string(n) + "\n";
}

} // namespace

histogram::histogram(std::vector<double> bounds_s)
  : bounds_s_(std::move(bounds_s)), counts_(bounds_s_.size() + 1, 0) {
  // Intentionally empty.
}

void histogram::observe(double value_s) {
  std::size_t i = 0;
  while (i < bounds_s_.size() && value_s > bounds_s_[i])
    ++i;
  ++counts_[i];
  sum_s_ += value_s;
  ++count_;
}

void histogram::render(std::string& out, const std::string& name) const {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_s_.size(); ++i) {
    cumulative += counts_[i];
    out += name + "_bucket{le=\"" + format_number(bounds_s_[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
  out += name + "_sum " + format_number(sum_s_) + "\n";
  out += name + "_count " + std::to_string(count_) + "\n";
}

fleet_metrics::fleet_metrics()
  // Snapshots take 0.2 s on a healthy camera and up to 28 s on a sick C110.
  : capture_duration_({0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60}),
    patrol_duration_({0.5, 1, 5, 10, 30, 60, 120, 300, 600}) {
  // Intentionally empty.
}

void fleet_metrics::capture_finished(const std::string& outcome, const std::string& failure_kind,
                                     std::int64_t duration_ms, bool attempted) {
  std::lock_guard<std::mutex> guard{mutex_};
  ++captures_[{outcome, failure_kind}];
  if (attempted)
    capture_duration_.observe(static_cast<double>(duration_ms) / 1000.0);
}

void fleet_metrics::patrol_finished(std::int64_t duration_ms) {
  std::lock_guard<std::mutex> guard{mutex_};
  patrol_duration_.observe(static_cast<double>(duration_ms) / 1000.0);
}

void fleet_metrics::forced_release() {
  std::lock_guard<std::mutex> guard{mutex_};
  ++forced_releases_;
}

void fleet_metrics::patrol_log_dropped() {
  std::lock_guard<std::mutex> guard{mutex_};
  ++patrol_log_drops_;
}

void fleet_metrics::supervisor_restarted(const std::string& subnet) {
  std::lock_guard<std::mutex> guard{mutex_};
  ++supervisor_restarts_[subnet];
}

void fleet_metrics::camera_restarted(const std::string& subnet) {
  std::lock_guard<std::mutex> guard{mutex_};
  ++camera_restarts_[subnet];
}

std::uint64_t fleet_metrics::forced_releases() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return forced_releases_;
}

std::uint64_t fleet_metrics::patrol_log_drops() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return patrol_log_drops_;
}

std::string fleet_metrics::render() const {
  std::lock_guard<std::mutex> guard{mutex_};
  std::string out;

  header(out, "camfleet_captures_total", "counter",
         "Camera results of patrols, by outcome and failure kind.");
  for (const auto& [key, n] : captures_)
    out += "camfleet_captures_total{outcome=\"" + escape_label(key.first) + "\",failure_kind=\"" +
           escape_label(key.second) + "\"} " + std::to_string(n) + "\n";

  header(out, "camfleet_capture_duration_seconds", "histogram",
         "Duration of attempted captures, from the order to the closed session.");
  capture_duration_.render(out, "camfleet_capture_duration_seconds");

  header(out, "camfleet_patrol_duration_seconds", "histogram",
         "Duration of finished patrols, until every session of the subnet was closed.");
  patrol_duration_.render(out, "camfleet_patrol_duration_seconds");

  header(out, "camfleet_forced_releases_total", "counter",
         "Captures the stuck sweeper force-released; anything but 0 means a libav call "
         "ignored its interrupt callback.");
  out += "camfleet_forced_releases_total " + std::to_string(forced_releases_) + "\n";

  header(out, "camfleet_patrol_log_dropped_total", "counter",
         "Patrol reports left out of the patrol log because its writer was too far behind "
         "(a stalled disk or file); the API still has them.");
  out += "camfleet_patrol_log_dropped_total " + std::to_string(patrol_log_drops_) + "\n";

  header(out, "camfleet_supervisor_restarts_total", "counter",
         "Restarts of subnet supervisors by the fleet root.");
  render_per_subnet(out, "camfleet_supervisor_restarts_total", supervisor_restarts_);

  header(out, "camfleet_camera_restarts_total", "counter",
         "Restarts of camera actors by their subnet supervisor.");
  render_per_subnet(out, "camfleet_camera_restarts_total", camera_restarts_);
  return out;
}

fleet_metrics& metrics() {
  static fleet_metrics registry;
  return registry;
}

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace camfleet
