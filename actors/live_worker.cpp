#include "actors/live_worker.hpp"

#include "messages/fleet_messages.hpp"
#include "messages/live_messages.hpp"

#include <caf/send.hpp>

#include <pthread.h>

namespace camfleet {

namespace {

live_done run_live(const live_job& job) {
  auto report_phase = [&job](capture_phase phase) {
    caf::anon_send(job.camera_actor, phase_atom::value, phase);
  };
  std::uint64_t number = 0;
  auto hand_over = [&job, &number](snapshot&& picture) {
    live_frame frame;
    frame.session = job.session;
    frame.number = ++number;
    frame.width = picture.width;
    frame.height = picture.height;
    frame.jpeg = std::move(picture.jpeg);
    caf::anon_send(job.camera_actor, std::move(frame));
  };
  auto result = stream_live(job.camera.id, job.camera.endpoint, job.budget, job.settings,
                            *job.cancel, report_phase, hand_over);
  live_done done;
  done.frames = number;
  if (auto* failure = std::get_if<capture_failure>(&result)) {
    done.failure = to_string(failure->kind);
    done.detail = failure->detail;
    return done;
  }
  done.ok = true;
  return done;
}

} // namespace

caf::behavior live_worker(caf::event_based_actor* self, live_job job) {
  return {
      [self, job = std::move(job)](live_atom) {
        // Named so that `top -H` and /proc show which threads hold a session.
        pthread_setname_np(pthread_self(), "cf-live");
        auto done = run_live(job);
        // The session is closed: the worker's end is the release.
        self->quit();
        return done;
      },
  };
}

} // namespace camfleet
