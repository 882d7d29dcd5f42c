// What a capture worker needs to take one snapshot. It holds the camera's
// password, so it is passed to the worker when it is spawned and never sent
// as a message.

#pragma once

#include "config/fleet_config.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <caf/actor.hpp>

namespace camfleet {

struct capture_job {
  std::string subnet;
  camera_config camera;
  /// Where the JPEG goes (written atomically).
  std::string snapshot_file;
  /// This capture's budgets: the camera's, with `capture` shortened to what
  /// is left of the patrol.
  capture_budget budget;
  /// Set by the camera actor (or its destructor) to cancel; read by libav's
  /// interrupt callback on the worker's thread.
  std::shared_ptr<std::atomic<bool>> cancel;
  /// Receives (phase_atom, capture_phase) as the capture progresses.
  caf::actor camera_actor;
};

} // namespace camfleet
