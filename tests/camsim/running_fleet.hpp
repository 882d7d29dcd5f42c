// A camsim simulator running in-process on its own thread for one test, and
// a small client for its control API.

#pragma once

#include "tools/camsim/simulator.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>

#include <boost/json/value.hpp>

namespace camfleet::camsim::test {

struct http_reply {
  unsigned status = 0;
  boost::json::value body;
};

/// One request to a control API on 127.0.0.1:`port`, bounded by 5 s; status
/// 0 when there was no answer.
http_reply control_call(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = {});

class running_fleet {
 public:
  /// Parses `scenario_json`, binds everything and starts the io thread.
  explicit running_fleet(const std::string& scenario_json);
  ~running_fleet();

  running_fleet(const running_fleet&) = delete;
  running_fleet& operator=(const running_fleet&) = delete;

  std::uint16_t port_of(const std::string& id) const { return ports_.at(id); }
  std::uint16_t control_port() const noexcept { return control_port_; }

  /// rtsp://user:password@address:port/path of camera `id`.
  std::string url(const std::string& id, const std::string& credentials = "") const;

  /// GET /cameras/{id}; fails the test when the API does not answer 200.
  boost::json::object camera(const std::string& id) const;

  /// One counter of GET /cameras/{id}.
  std::int64_t counter(const std::string& id, const std::string& name) const;

  /// Polls counter `name` until it equals `expected` or `budget` runs out;
  /// returns the last value seen.
  std::int64_t await_counter(const std::string& id, const std::string& name, std::int64_t expected,
                             std::chrono::milliseconds budget) const;

  /// POST /cameras/{id}/behaviour.
  http_reply set_behaviour(const std::string& id, const std::string& behaviour_json) const;

 private:
  simulator sim_;
  std::map<std::string, std::uint16_t> ports_;
  std::map<std::string, std::string> addresses_;
  std::map<std::string, std::string> paths_;
  std::uint16_t control_port_ = 0;
  std::thread thread_;
};

} // namespace camfleet::camsim::test
