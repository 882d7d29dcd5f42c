// The control and observation API, as requests and replies in JSON, without
// the HTTP transport (control_server does that):
//
//   GET  /health                      {"status": "ok", "cameras": N, "uptime_ms": T, ...}
//   GET  /cameras                     {"cameras": [camera, ...]}
//   GET  /cameras/{id}                camera: counters, behaviour, endpoint
//   POST /cameras/{id}/behaviour      body: a behaviour ({"kind": "slow", "delay_ms": 500});
//                                     answers the camera after the change
//
// Errors are {"error": "what went wrong"} (with "path" for a bad behaviour)
// and status 400, 404 or 405.

#pragma once

#include <string>

#include <boost/json/value.hpp>

namespace camfleet::camsim {

class simulator;

struct control_request {
  std::string method;
  std::string target;
  std::string body;
};

struct control_reply {
  unsigned status = 200;
  boost::json::value body;
};

/// Runs on the simulator's io_context thread.
control_reply handle_control(simulator& sim, const control_request& request);

} // namespace camfleet::camsim
