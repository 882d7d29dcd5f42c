// Steps of the camera actor shared by its patrol captures
// (actors/camera_actor.cpp) and its live view (actors/camera_live.cpp).

#pragma once

#include "actors/camera_actor.hpp"
#include "messages/fleet_messages.hpp"

#include <chrono>
#include <string>

namespace camfleet {

capture_report make_report(const camera_actor_state& st, std::uint64_t patrol_id,
                           patrol_outcome outcome);

/// The budgets of one capture: the camera's own, cut to what is left of the
/// patrol. The teardown budget is never cut: it is what lets the TEARDOWN out.
capture_budget budget_for(const camera_config& config, std::int64_t patrol_left_ms);

/// The camera failed with `kind`: into backoff, logged (rate-limited), and a
/// retry timer set. Returns the backoff delay.
std::chrono::milliseconds enter_backoff(camera_actor_type* self, failure_kind kind,
                                        const std::string& detail);

/// The recovery log line after earlier failures, once.
void note_success(camera_actor_type* self);

} // namespace camfleet
