#include "actors/capture_worker.hpp"

#include "fleet/snapshot_store.hpp"
#include "messages/fleet_messages.hpp"

#include <spdlog/spdlog.h>

#include <pthread.h>

namespace camfleet {

namespace {

capture_done run_capture(const capture_job& job) {
  const auto& camera = job.camera;
  auto report_phase = [&job](capture_phase phase) {
    caf::anon_send(job.camera_actor, phase_atom::value, phase);
  };

  auto result = capture_snapshot(camera.id, camera.endpoint, job.budget, *job.cancel, report_phase);

  capture_done done;
  if (auto failure = std::get_if<capture_failure>(&result)) {
    done.failure = to_string(failure->kind);
    done.detail = failure->detail;
    return done;
  }

  auto& image = std::get<snapshot>(result);
  if (auto error = write_snapshot(job.snapshot_file, image.jpeg)) {
    done.failure = to_string(failure_kind::storage_error);
    done.detail = *error;
    return done;
  }
  done.ok = true;
  done.width = image.width;
  done.height = image.height;
  done.snapshot_bytes = image.jpeg.size();
  done.time_to_frame_ms = image.time_to_frame.count();
  return done;
}

} // namespace

caf::behavior capture_worker(caf::event_based_actor* self, capture_job job) {
  return {
      [self, job = std::move(job)](capture_atom) {
        // Named so that `top -H` and /proc show which threads hold a
        // session (the admin tests find a capture's thread by this name).
        pthread_setname_np(pthread_self(), "cf-capture");
        auto done = run_capture(job);
        // One capture per worker: the session is closed, so the worker's end
        // is the release the supervisor waits for.
        self->quit();
        return done;
      },
  };
}

} // namespace camfleet
