// The camera actor's live view: viewers' leases on the camera's one session.
// Internal to actors/camera_actor.cpp, which routes the messages here; see
// messages/live_messages.hpp for the protocol and the consumers' priorities.

#pragma once

#include "actors/camera_actor.hpp"
#include "messages/admin_messages.hpp"
#include "messages/fleet_messages.hpp"

#include <caf/result.hpp>

namespace camfleet {

/// A viewer asks to watch. Granted at once when the camera is idle or
/// already live; after the running capture when one runs (it is cut short,
/// since a viewer comes before a patrol); refused past the camera's viewer
/// limit, while the camera backs off, or without a subscriber.
caf::result<lease_grant> request_lease(camera_actor_type* self, lease_request& request);

/// A picture from the live worker: to every viewer and every waiting patrol.
void on_live_frame(camera_actor_type* self, live_frame& frame);

/// A viewer's subscriber ended (it disconnected): its lease ends.
void on_viewer_down(camera_actor_type* self, const caf::down_msg& msg);

/// A lease reached its maximum duration.
void on_lease_expired(camera_actor_type* self, std::uint64_t lease_id);

/// A patrol capture waiting for a live picture ran out of budget.
void on_frame_wait_over(camera_actor_type* self, std::uint64_t sequence);

/// A patrol meets the live session: answered by its next picture.
caf::result<capture_report> serve_from_live(camera_actor_type* self, std::uint64_t patrol_id,
                                            std::int64_t budget_ms, caf::response_promise promise);

/// Ends every lease (with `reason`) and the live session, as a kick does.
void end_live_session(camera_actor_type* self, const std::string& reason);

/// An on-demand snapshot meets the live session: answered by its next picture.
caf::result<fresh_snapshot> serve_snapshot_from_live(camera_actor_type* self,
                                                     caf::response_promise promise);

/// Called once a capture that a viewer pre-empted has ended: what waited for
/// the capture (its patrol, on-demand snapshots), if it did not succeed,
/// waits for the live session, which opens now for the viewers waiting.
void after_preempted_capture(camera_actor_type* self, std::vector<frame_waiter> waiting);

/// Refuses every waiting viewer with `error` (the camera failed).
void refuse_pending_leases(camera_actor_type* self, const caf::error& error);

} // namespace camfleet
