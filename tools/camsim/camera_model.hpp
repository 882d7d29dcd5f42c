// What camsim assumes about a camera from its model name alone.
//
// The session limits are the ones seen in the field (docs: BRIEF, "Camera
// facts"): they decide how soon a leaked session locks a camera, which is the
// failure camfleet exists to prevent, so they are the default of every camera
// whose scenario entry does not set session_limit.

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace camfleet::camsim {

enum class model_family {
  /// Tapo C2xx and C5xx: one session, and the camera behaves as if exclusive.
  tapo_pan_tilt,
  /// Tapo C1xx: two sessions.
  tapo_fixed,
  /// TP-Link VIGI: three sessions.
  vigi,
  /// Hikvision and Dahua: four sessions.
  hikvision_dahua,
  /// Axis: eight sessions.
  axis,
  /// Anything else is treated like the strictest camera: one session.
  unknown,
};

/// Recognises "Tapo C110", "C210", "VIGI C340", "Hikvision DS-2CD2043",
/// "Dahua IPC-HFW2431", "Axis P3245" and the like, case-insensitively.
model_family family_of(std::string_view model);

const char* to_string(model_family family);

std::size_t default_session_limit(model_family family);

/// The main-stream path the vendor's firmware serves.
std::string default_stream_path(model_family family);

} // namespace camfleet::camsim
