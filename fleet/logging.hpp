// The daemon's log: spdlog on stderr, one line per event, every line stamped
// with an ISO-8601 time and its UTC offset.
//
// Plan: debug for state changes, info for patrol summaries, warn for camera
// misbehaviour (with what the operator can do), error for our own bugs. Lines
// about a camera carry "subnet=... camera=...". No line ever holds a
// credential: messages from cameras and libav are redacted before logging.

#pragma once

#include "config/fleet_config.hpp"

#include <memory>
#include <string>

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

namespace camfleet {

/// Makes the default spdlog logger write to stderr in the given format and
/// level, and routes libav's own log through it.
void configure_logging(const log_config& config);

/// The pattern of text log lines: time with offset, level, message.
std::string text_log_pattern();

/// A formatter that writes each record as one JSON object per line with the
/// fields "time", "level" and "message".
std::unique_ptr<spdlog::formatter> make_json_log_formatter();

} // namespace camfleet
