#include "fleet/live_viewer.hpp"

#include "actors/admin_relay.hpp"
#include "messages/live_messages.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace camfleet {

namespace {

/// The fleet root relays the lease request down to the camera, which may
/// first cut a running capture short: the chain's own timeout plus margin.
constexpr auto lease_request_timeout = lease_relay_timeout + std::chrono::seconds{2};

} // namespace

std::string mjpeg_part(const std::vector<std::uint8_t>& jpeg) {
  std::string part;
  part.reserve(jpeg.size() + 100);
  part += "--";
  part += live_boundary;
  part += "\r\nContent-Type: image/jpeg\r\nContent-Length: ";
  part += std::to_string(jpeg.size());
  part += "\r\n\r\n";
  part.append(jpeg.begin(), jpeg.end());
  part += "\r\n";
  return part;
}

caf::behavior live_viewer(caf::event_based_actor* self, caf::actor root, std::string camera_id,
                          std::string viewer, std::shared_ptr<live_sink> sink) {
  auto finish = [self, sink](std::string reason) {
    sink->ended(std::move(reason));
    self->quit();
  };
  self->set_down_handler([finish](caf::down_msg&) { finish("the camera's actor ended"); });
  self->request(root, lease_request_timeout,
                lease_request{camera_id, viewer, caf::actor_cast<caf::actor>(self)})
      .then(
          [self, sink](lease_grant& grant) {
            self->monitor(grant.camera);
            sink->granted();
          },
          [self, sink](caf::error& error) {
            sink->refused(answer_for_error(error, lease_request_timeout));
            self->quit();
          });
  return {
      [sink](const live_frame& frame) {
        sink->part(std::make_shared<const std::string>(mjpeg_part(frame.jpeg)));
      },
      [finish](const lease_ended& ended) { finish(ended.reason); },
  };
}

} // namespace camfleet
