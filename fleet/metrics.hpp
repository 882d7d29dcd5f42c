// The daemon's counters and histograms, rendered in Prometheus' text format.
//
// Actors record events here as they happen (a capture ended, a patrol ended,
// a supervisor restarted, a stuck capture was force-released); the admin
// server renders them at /metrics together with the gauges it computes from a
// fresh fleet view (cameras by state, open sessions). The registry is process
// wide, like a logger: it holds numbers, never actor state, and every method
// is safe from any thread. Labels are camera-independent (outcome, failure
// kind, subnet), so the number of series stays bounded.

#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace camfleet {

/// A Prometheus histogram with fixed upper bounds, in seconds.
class histogram {
 public:
  explicit histogram(std::vector<double> bounds_s);

  void observe(double value_s);

  /// "name_bucket{le=...} n" lines, then _sum and _count.
  void render(std::string& out, const std::string& name) const;

 private:
  std::vector<double> bounds_s_;
  /// Non-cumulative; one more than bounds_s_ for +Inf.
  std::vector<std::uint64_t> counts_;
  double sum_s_ = 0;
  std::uint64_t count_ = 0;
};

class fleet_metrics {
 public:
  fleet_metrics();

  /// One camera's part of a patrol: outcome ("captured", "failed" ...) and,
  /// for failures, the failure kind; duration only for attempted captures.
  void capture_finished(const std::string& outcome, const std::string& failure_kind,
                        std::int64_t duration_ms, bool attempted);
  void patrol_finished(std::int64_t duration_ms);
  void forced_release();
  /// A patrol report left out of the patrol log: its writer was too far
  /// behind (actors/subnet_supervisor.cpp).
  void patrol_log_dropped();
  void supervisor_restarted(const std::string& subnet);
  void camera_restarted(const std::string& subnet);

  std::uint64_t forced_releases() const;
  std::uint64_t patrol_log_drops() const;

  /// Every counter and histogram, with HELP and TYPE lines.
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> captures_;
  histogram capture_duration_;
  histogram patrol_duration_;
  std::uint64_t forced_releases_ = 0;
  std::uint64_t patrol_log_drops_ = 0;
  std::map<std::string, std::uint64_t> supervisor_restarts_;
  std::map<std::string, std::uint64_t> camera_restarts_;
};

/// The daemon's registry.
fleet_metrics& metrics();

/// Escapes a label value for the text format (backslash, quote, newline).
std::string escape_label(const std::string& value);

} // namespace camfleet
