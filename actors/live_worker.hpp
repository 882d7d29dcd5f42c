// A live worker: one detached actor, on a thread of its own, per live session
// of a camera (viewers watching it).
//
// Like the capture worker (actors/capture_worker.hpp) it is spawned detached
// and linked by the camera actor, answers one request (live_atom) with a
// live_done once the session is closed, and then quits; its end is what tells
// the subnet supervisor, which monitors it, that the session is released.
// While it streams it sends the camera a live_frame per picture, at most one
// per frame interval. It is stopped through the cancel flag in its job, which
// the camera actor (or its state's destructor) sets when the last consumer
// leaves.

#pragma once

#include "camera/live_stream.hpp"
#include "config/fleet_config.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>

namespace camfleet {

/// What a live worker needs. It holds the camera's password, so it is a
/// spawn argument of a local worker and never a message.
struct live_job {
  std::string subnet;
  camera_config camera;
  capture_budget budget;
  live_settings settings;
  /// Which of the camera's live sessions this is; stamped on every frame.
  std::uint64_t session = 0;
  std::shared_ptr<std::atomic<bool>> cancel;
  /// Receives (phase_atom, capture_phase) and live_frame.
  caf::actor camera_actor;
};

caf::behavior live_worker(caf::event_based_actor* self, live_job job);

} // namespace camfleet
