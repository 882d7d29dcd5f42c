// A capture worker: one detached actor, on a thread of its own, per capture.
//
// libav's calls block; run on CAF's scheduler threads they would stall every
// other actor sharing the thread. The worker is spawned by the camera actor
// (detached and linked), answers one capture_atom request with a
// capture_done once the session is closed and the snapshot written, and then
// quits. Its termination is what tells the subnet supervisor, which monitors
// it, that the camera's session is released.
//
// While libav blocks, the worker processes no message, kill included: it is
// stopped through the cancel flag in its job, which the interrupt callback
// reads, never through messages.

#pragma once

#include "actors/capture_job.hpp"

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>

namespace camfleet {

caf::behavior capture_worker(caf::event_based_actor* self, capture_job job);

} // namespace camfleet
