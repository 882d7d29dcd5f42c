#include "actors/patrol_log_actor.hpp"

#include "fleet/patrol_log_file.hpp"
#include "fleet/patrol_report_json.hpp"
#include "messages/fleet_messages.hpp"

#include <memory>

#include <caf/all.hpp>

namespace camfleet {

caf::behavior patrol_log_actor(caf::event_based_actor* self, std::string file_path) {
  auto file = std::make_shared<patrol_log_file>(std::move(file_path));
  return {
      // The empty answer acknowledges the line (written, or lost and
      // logged): the supervisors count what waits here.
      [file](const patrol_report& report) {
        file->append_line(to_json_line(report));
        return caf::unit;
      },
      [self](shutdown_atom) { self->quit(); },
  };
}

} // namespace camfleet
