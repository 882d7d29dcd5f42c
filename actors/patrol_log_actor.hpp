// The patrol log writer: appends one JSON line per patrol_report to a file.
//
// Detached, because file writes block. Each line goes out in a single
// write() on a descriptor opened with O_APPEND, so a killed daemon leaves
// complete lines only, and several writers never interleave within a line.
// It quits on shutdown_atom, after every report already sent to it.

#pragma once

#include <string>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>

namespace camfleet {

caf::behavior patrol_log_actor(caf::event_based_actor* self, std::string file_path);

} // namespace camfleet
