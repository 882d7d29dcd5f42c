// A live viewer: one actor per HTTP live-view stream, the admin interface's
// side of a lease (messages/live_messages.hpp).
//
// It asks the fleet root for a lease on the camera, naming itself as the
// subscriber; turns each live_frame into one part of an MJPEG stream
// (multipart/x-mixed-replace) and hands it to the HTTP connection through a
// live_sink; and ends when the lease does (lease_ended, or the camera actor's
// end, which it monitors). The connection kills it when the viewer
// disconnects; the camera monitors it, so that is the end of the lease.

#pragma once

#include "fleet/admin_routes.hpp"

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>

namespace camfleet {

/// The boundary between the parts of a live view.
inline constexpr const char* live_boundary = "camfleet-frame";

/// Where a viewer's stream goes: the HTTP connection. Called from the
/// viewer actor's thread; implementations hand over to their own thread.
class live_sink {
 public:
  virtual ~live_sink() = default;
  /// The lease is granted: start the response.
  virtual void granted() = 0;
  /// The lease was refused: answer with this error instead.
  virtual void refused(admin_answer answer) = 0;
  /// One part of the multipart stream, boundary and headers included.
  virtual void part(std::shared_ptr<const std::string> bytes) = 0;
  /// The lease ended: finish the stream.
  virtual void ended(std::string reason) = 0;
};

/// One multipart part holding `jpeg`.
std::string mjpeg_part(const std::vector<std::uint8_t>& jpeg);

caf::behavior live_viewer(caf::event_based_actor* self, caf::actor root, std::string camera_id,
                          std::string viewer, std::shared_ptr<live_sink> sink);

} // namespace camfleet
