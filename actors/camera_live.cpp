#include "actors/camera_live.hpp"

#include "actors/camera_actor_steps.hpp"
#include "actors/live_worker.hpp"
#include "fleet/snapshot_store.hpp"
#include "messages/admin_messages.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace camfleet {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::int64_t ms_since(const timestamp& start) {
  return duration_cast<milliseconds>(std::chrono::steady_clock::now() - start.mono).count();
}

std::size_t viewers_wanted(const camera_actor_state& st) {
  return (st.live ? st.live->leases.size() : 0) + st.pending_leases.size();
}

// Answers one patrol or on-demand snapshot waiting for a live picture with
// a failure.
void fail_waiter(camera_actor_type* self, frame_waiter& waiter, const std::string& failure,
                 const std::string& detail) {
  auto& st = self->state;
  if (waiter.on_demand) {
    waiter.promise.deliver(make_admin_error(
        admin_errc::conflict, "camera " + st.config.id + ": " + failure + " (" + detail + ")"));
    return;
  }
  auto report = make_report(st, waiter.patrol_id, patrol_outcome::failed);
  report.failure = failure;
  report.detail = detail;
  report.duration_ms = ms_since(waiter.started);
  waiter.promise.deliver(std::move(report));
}

// Answers everything waiting for a live picture with a failure.
void fail_waiters(camera_actor_type* self, const std::string& failure, const std::string& detail) {
  auto& st = self->state;
  for (auto& waiter : st.live->waiting)
    fail_waiter(self, waiter, failure, detail);
  st.live->waiting.clear();
}

// The live worker answered: its session is closed.
void on_live_done(camera_actor_type* self, const live_done& done, std::uint64_t session) {
  auto& st = self->state;
  if (!st.live || st.live->session != session)
    return;
  std::string reason;
  if (done.ok) {
    st.machine.session_closed(timestamp::now(), done.frames > 0,
                              "live view ended after " + std::to_string(done.frames) + " pictures");
    if (done.frames > 0)
      note_success(self);
    spdlog::info("subnet={} camera={} live session {} closed after {} pictures", st.subnet,
                 st.config.id, session, done.frames);
    // Leases still here were ended by a kick or a stop.
    reason = "the live session ended";
    fail_waiters(self, to_string(failure_kind::cancelled),
                 "the live session ended before its next picture");
  } else {
    auto kind = failure_kind_from_string(done.failure).value_or(failure_kind::protocol_error);
    enter_backoff(self, kind, done.detail);
    reason = "camera failed: " + done.failure + " (" + done.detail + ")";
    fail_waiters(self, done.failure, done.detail);
  }
  for (auto& lease : st.live->leases) {
    self->send(lease.subscriber, lease_ended{lease.id, reason});
    self->demonitor(lease.subscriber);
  }
  st.live.reset();
  if (st.pending_leases.empty())
    return;
  if (st.machine.state() == camera_state::backoff) {
    refuse_pending_leases(
        self, make_admin_error(admin_errc::conflict, "camera " + st.config.id + " " + reason));
    return;
  }
  // Viewers who came while it closed: a fresh session for them.
  after_preempted_capture(self, {});
}

void start_live_session(camera_actor_type* self, const std::string& viewer) {
  auto& st = self->state;
  auto now = timestamp::now();
  st.machine.start_capture(now, "live view for " + viewer);

  live_job job;
  job.subnet = st.subnet;
  job.camera = st.config;
  job.budget = st.config.budget;
  job.settings.frame_interval = st.config.live.frame_interval;
  job.settings.stall_timeout = st.config.live.stall_timeout;
  job.session = ++st.live_sequence;
  job.cancel = std::make_shared<std::atomic<bool>>(false);
  job.camera_actor = caf::actor_cast<caf::actor>(self);
  auto cancel = job.cancel;
  auto session = job.session;

  auto worker = self->spawn<caf::detached + caf::linked>(live_worker, std::move(job));
  self->send(st.supervisor, session_opened{st.config.id, 0, worker, true});
  live_session live;
  live.worker = worker;
  live.cancel = std::move(cancel);
  live.session = session;
  live.started = now;
  st.live = std::move(live);
  spdlog::info("subnet={} camera={} live session {} opening for {}", st.subnet, st.config.id,
               session, viewer);

  self->request(worker, caf::infinite, live_atom::value)
      .then([self, session](live_done& done) { on_live_done(self, done, session); },
            [self, session](caf::error& error) {
              // The worker died without answering: its session closed with it.
              live_done done;
              done.failure = to_string(failure_kind::protocol_error);
              done.detail = "live worker failed: " + self->system().render(error);
              on_live_done(self, done, session);
            });
}

lease_grant add_lease(camera_actor_type* self, lease_request& request) {
  auto& st = self->state;
  auto& live = *st.live;
  viewer_lease lease;
  lease.id = ++st.lease_sequence;
  lease.viewer = request.viewer;
  lease.subscriber = std::move(request.subscriber);
  lease.since = timestamp::now();
  self->monitor(lease.subscriber);
  self->delayed_send(self, st.config.live.max_lease, lease_expired_atom::value, lease.id);
  // A viewer who joins a running session sees its latest picture at once.
  if (live.latest) {
    self->send(lease.subscriber, *live.latest);
    ++lease.frames_served;
  }
  spdlog::info("subnet={} camera={} lease {} granted to {} ({} viewers)", st.subnet, st.config.id,
               lease.id, lease.viewer, live.leases.size() + 1);
  lease_grant grant{lease.id, caf::actor_cast<caf::actor>(self), st.config.live.max_lease.count()};
  live.leases.push_back(std::move(lease));
  return grant;
}

// Closes the live session once nobody needs it: no viewer, no patrol
// waiting for a picture, no viewer waiting to join.
void close_if_unused(camera_actor_type* self, const std::string& why) {
  auto& st = self->state;
  if (!st.live || st.live->closing || !st.live->leases.empty() || !st.live->waiting.empty() ||
      !st.pending_leases.empty())
    return;
  st.live->closing = true;
  st.live->cancel->store(true);
  spdlog::info("subnet={} camera={} live session {} closing: {}", st.subnet, st.config.id,
               st.live->session, why);
}

void end_lease(camera_actor_type* self, std::vector<viewer_lease>::iterator lease,
               const std::string& reason, bool tell_viewer) {
  auto& st = self->state;
  spdlog::info("subnet={} camera={} lease {} of {} ended after {} ms, {} pictures: {}", st.subnet,
               st.config.id, lease->id, lease->viewer, ms_since(lease->since), lease->frames_served,
               reason);
  if (tell_viewer) {
    self->send(lease->subscriber, lease_ended{lease->id, reason});
    self->demonitor(lease->subscriber);
  }
  st.live->leases.erase(lease);
}

} // namespace

caf::result<lease_grant> request_lease(camera_actor_type* self, lease_request& request) {
  auto& st = self->state;
  const auto& id = st.config.id;
  if (!request.subscriber)
    return make_admin_error(admin_errc::conflict, "a lease needs a subscriber for the frames");
  auto limit = st.config.live.max_viewers_per_camera;
  if (viewers_wanted(st) >= limit)
    return make_admin_error(admin_errc::over_limit,
                            "camera " + id + " already has " + std::to_string(limit) +
                                " viewers, its limit (live.max_viewers_per_camera)");
  if (!st.released_workers.empty())
    return make_admin_error(admin_errc::conflict, "camera " + id +
                                                      "'s force-released capture still holds its " +
                                                      "session; try again once it closes");
  if (st.machine.state() == camera_state::backoff) {
    auto left =
        duration_cast<milliseconds>(st.machine.backoff_until() - std::chrono::steady_clock::now());
    auto kind = st.machine.last_failure();
    return make_admin_error(
        admin_errc::conflict,
        "camera " + id + " is backing off for " +
            std::to_string(std::max<std::int64_t>(left.count(), 0)) + " ms more after " +
            std::to_string(st.machine.consecutive_failures()) +
            " failures (last: " + (kind ? to_string(*kind) : "none") + "); reset it to try now");
  }
  if (st.live && !st.live->closing)
    return add_lease(self, request);
  if (st.live) {
    // Still tearing the last session down: a fresh one opens after it.
    auto promise = self->make_response_promise<lease_grant>();
    st.pending_leases.push_back(pending_lease{std::move(request), promise});
    return promise;
  }
  if (st.capture) {
    // A viewer comes before a patrol: cut the capture short. Its patrol is
    // answered from the live session once the capture's session is closed.
    if (!st.capture->preempted)
      spdlog::info("subnet={} camera={} cutting the capture of patrol {} short for a live viewer",
                   st.subnet, id, st.capture->patrol_id);
    st.capture->preempted = true;
    st.capture->cancel->store(true);
    auto promise = self->make_response_promise<lease_grant>();
    st.pending_leases.push_back(pending_lease{std::move(request), promise});
    return promise;
  }
  // (A response promise is made only where the answer waits: making one
  // takes the answer away from the handler's return value.)
  start_live_session(self, request.viewer);
  return add_lease(self, request);
}

void after_preempted_capture(camera_actor_type* self, std::vector<frame_waiter> waiting) {
  auto& st = self->state;
  if (st.pending_leases.empty() && waiting.empty())
    return;
  auto first = st.pending_leases.empty() ? std::string{"a waiting patrol"}
                                         : st.pending_leases.front().request.viewer;
  start_live_session(self, first);
  for (auto& waiter : waiting) {
    waiter.sequence = ++st.waiter_sequence;
    self->delayed_send(self, st.config.budget.capture, frame_wait_atom::value, waiter.sequence);
    st.live->waiting.push_back(std::move(waiter));
  }
  auto pending = std::move(st.pending_leases);
  st.pending_leases.clear();
  for (auto& viewer : pending)
    viewer.promise.deliver(add_lease(self, viewer.request));
  close_if_unused(self, "nobody waits for it");
}

void refuse_pending_leases(camera_actor_type* self, const caf::error& error) {
  auto pending = std::move(self->state.pending_leases);
  self->state.pending_leases.clear();
  for (auto& waiting : pending)
    waiting.promise.deliver(error);
}

void on_live_frame(camera_actor_type* self, live_frame& frame) {
  auto& st = self->state;
  if (!st.live || st.live->session != frame.session || st.live->closing)
    return;
  auto& live = *st.live;
  ++live.frames;
  auto now = timestamp::now();
  if (st.machine.state() == camera_state::connecting)
    st.machine.session_ready(now);

  // Patrols waiting for a picture: written as their snapshot.
  if (!live.waiting.empty()) {
    auto file = snapshot_path(st.snapshot_dir, st.subnet, st.config.id);
    auto error = write_snapshot(file, frame.jpeg);
    for (auto& waiter : live.waiting) {
      if (waiter.on_demand) {
        if (error)
          waiter.promise.deliver(make_admin_error(admin_errc::conflict, *error));
        else
          waiter.promise.deliver(fresh_snapshot{frame.width, frame.height, frame.jpeg});
        continue;
      }
      auto report = make_report(st, waiter.patrol_id, patrol_outcome::captured);
      report.duration_ms = ms_since(waiter.started);
      if (error) {
        report.outcome = patrol_outcome::failed;
        report.failure = to_string(failure_kind::storage_error);
        report.detail = *error;
      } else {
        report.snapshot_bytes = frame.jpeg.size();
        report.width = frame.width;
        report.height = frame.height;
        report.detail = "taken from the live session";
      }
      waiter.promise.deliver(std::move(report));
    }
    live.waiting.clear();
  }

  // One message for every viewer: CAF shares it rather than copying the JPEG.
  auto message = caf::make_message(std::move(frame));
  for (auto& lease : live.leases) {
    self->send(lease.subscriber, message);
    ++lease.frames_served;
  }
  live.latest = std::move(message);
  close_if_unused(self, "its last patrol was served");
}

void on_viewer_down(camera_actor_type* self, const caf::down_msg& msg) {
  auto& st = self->state;
  if (!st.live)
    return;
  auto& leases = st.live->leases;
  auto lease = std::find_if(leases.begin(), leases.end(), [&](const viewer_lease& x) {
    return x.subscriber.address() == msg.source;
  });
  if (lease == leases.end())
    return;
  end_lease(self, lease, "the viewer left", false);
  close_if_unused(self, "its last viewer left");
}

void on_lease_expired(camera_actor_type* self, std::uint64_t lease_id) {
  auto& st = self->state;
  if (!st.live)
    return;
  auto& leases = st.live->leases;
  auto lease = std::find_if(leases.begin(), leases.end(),
                            [&](const viewer_lease& x) { return x.id == lease_id; });
  if (lease == leases.end())
    return;
  auto limit_s = duration_cast<std::chrono::seconds>(st.config.live.max_lease).count();
  end_lease(self, lease,
            "the lease reached its maximum duration of " + std::to_string(limit_s) +
                " s (live.max_lease_ms); ask again to keep watching",
            true);
  close_if_unused(self, "its last lease ran out");
}

void on_frame_wait_over(camera_actor_type* self, std::uint64_t sequence) {
  auto& st = self->state;
  if (!st.live)
    return;
  auto& waiting = st.live->waiting;
  auto waiter = std::find_if(waiting.begin(), waiting.end(),
                             [&](const frame_waiter& x) { return x.sequence == sequence; });
  if (waiter == waiting.end())
    return;
  fail_waiter(self, *waiter, to_string(failure_kind::no_key_frame),
              "the live session delivered no picture within the capture budget");
  waiting.erase(waiter);
  close_if_unused(self, "its last patrol gave up");
}

namespace {

void wait_for_live_picture(camera_actor_type* self, frame_waiter waiter,
                           std::chrono::milliseconds budget) {
  auto& st = self->state;
  waiter.sequence = ++st.waiter_sequence;
  self->delayed_send(self, budget, frame_wait_atom::value, waiter.sequence);
  st.live->waiting.push_back(std::move(waiter));
}

} // namespace

caf::result<capture_report> serve_from_live(camera_actor_type* self, std::uint64_t patrol_id,
                                            std::int64_t budget_ms, caf::response_promise promise) {
  auto budget = budget_for(self->state.config, budget_ms).capture;
  wait_for_live_picture(self, frame_waiter{false, patrol_id, 0, timestamp::now(), promise}, budget);
  return promise;
}

caf::result<fresh_snapshot> serve_snapshot_from_live(camera_actor_type* self,
                                                     caf::response_promise promise) {
  wait_for_live_picture(self, frame_waiter{true, 0, 0, timestamp::now(), promise},
                        self->state.config.budget.capture);
  return promise;
}

void end_live_session(camera_actor_type* self, const std::string& reason) {
  auto& st = self->state;
  if (!st.live)
    return;
  while (!st.live->leases.empty())
    end_lease(self, st.live->leases.begin(), reason, true);
  refuse_pending_leases(self, make_admin_error(admin_errc::conflict, reason));
  fail_waiters(self, to_string(failure_kind::cancelled), reason);
  close_if_unused(self, reason);
}

} // namespace camfleet
