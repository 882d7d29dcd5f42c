// The patrol log writer: appends one JSON line per patrol_report to a file.
//
// Detached, because file writes block. The file (fleet/patrol_log_file.hpp)
// takes each line in one write() and repairs a torn last line when opened.
// It quits on shutdown_atom, after every report already sent to it.

#pragma once

#include <string>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>

namespace camfleet {

caf::behavior patrol_log_actor(caf::event_based_actor* self, std::string file_path);

} // namespace camfleet
