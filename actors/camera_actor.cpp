#include "actors/camera_actor.hpp"

#include "actors/camera_actor_steps.hpp"
#include "actors/camera_live.hpp"
#include "actors/capture_worker.hpp"
#include "camera/backoff.hpp"
#include "fleet/metrics.hpp"
#include "fleet/snapshot_store.hpp"
#include "messages/admin_messages.hpp"
#include "messages/fleet_messages.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace camfleet {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// Time after the capture and teardown budgets at which a capture that has
// not reported counts as overrunning. libav polls its interrupt callback
// every 100 ms; anything beyond this margin is a call that ignores it.
constexpr milliseconds overrun_margin{2000};

bool is_power_of_two(std::uint32_t n) {
  return n != 0 && (n & (n - 1)) == 0;
}

// Failures are logged as warnings the first time, when their kind changes,
// and after 2, 4, 8 ... in a row; otherwise at debug, so that a camera that
// is down for a day does not fill the log.
void log_failure(camera_actor_type* self, failure_kind kind, const std::string& detail,
                 milliseconds delay) {
  auto& st = self->state;
  auto failures = st.machine.consecutive_failures();
  bool loud = st.last_warned_kind != kind || is_power_of_two(failures);
  auto level = loud ? spdlog::level::warn : spdlog::level::debug;
  spdlog::log(level,
              "subnet={} camera={} capture failed: {} ({}); {} in a row, next try in {} ms at "
              "the earliest",
              st.subnet, st.config.id, to_string(kind), detail, failures, delay.count());
  if (loud)
    st.last_warned_kind = kind;
}

// On-demand snapshots that shared a capture: its picture (read back from
// the snapshot it wrote), or why there is none.
void answer_snapshot_requests(camera_actor_type* self, std::vector<caf::response_promise>& requests,
                              const capture_done& done) {
  if (requests.empty())
    return;
  auto& st = self->state;
  if (!done.ok) {
    auto error = make_admin_error(admin_errc::conflict, "camera " + st.config.id +
                                                            " failed: " + done.failure + " (" +
                                                            done.detail + ")");
    for (auto& request : requests)
      request.deliver(error);
    return;
  }
  fresh_snapshot picture;
  picture.width = done.width;
  picture.height = done.height;
  auto file = snapshot_path(st.snapshot_dir, st.subnet, st.config.id);
  std::ifstream in{file, std::ios::binary};
  picture.jpeg.assign(std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{});
  for (auto& request : requests) {
    if (picture.jpeg.empty())
      request.deliver(make_admin_error(admin_errc::conflict, "the snapshot just written to " +
                                                                 file + " could not be read back"));
    else
      request.deliver(picture);
  }
}

// `sequence` names the capture `done` belongs to: a worker whose capture was
// force-released answers later, and must not end the camera's next capture.
void finish_capture(camera_actor_type* self, const capture_done& done, std::uint64_t sequence) {
  auto& st = self->state;
  if (!st.capture || st.capture->sequence != sequence)
    return;
  auto now = timestamp::now();
  auto report = make_report(st, st.capture->patrol_id, patrol_outcome::captured);
  report.duration_ms = duration_cast<milliseconds>(now.mono - st.capture->started.mono).count();
  auto kind = failure_kind_from_string(done.failure).value_or(failure_kind::protocol_error);

  if (st.capture->preempted && !done.ok && kind == failure_kind::cancelled) {
    // Cut short for a viewer: not the camera's failure. The patrol is
    // answered by the live session that opens now.
    st.machine.session_closed(now, false, "capture cut short for a live viewer");
    std::vector<frame_waiter> waiting;
    if (st.capture->for_patrol)
      waiting.push_back(frame_waiter{false, st.capture->patrol_id, 0, st.capture->started,
                                     std::move(st.capture->promise)});
    for (auto& request : st.capture->snapshot_requests)
      waiting.push_back(frame_waiter{true, 0, 0, st.capture->started, std::move(request)});
    st.capture.reset();
    after_preempted_capture(self, std::move(waiting));
    return;
  }

  if (done.ok) {
    // A capture that succeeds has played the session, even if the phase
    // message announcing it was overtaken.
    if (st.machine.state() == camera_state::connecting)
      st.machine.session_ready(now);
    st.machine.capture_succeeded(now);
    report.snapshot_bytes = done.snapshot_bytes;
    report.width = done.width;
    report.height = done.height;
    note_success(self);
    spdlog::debug("subnet={} camera={} snapshot {}x{}, {} bytes, first frame after {} ms",
                  st.subnet, st.config.id, done.width, done.height, done.snapshot_bytes,
                  done.time_to_frame_ms);
  } else {
    enter_backoff(self, kind, done.detail);
    report.outcome = patrol_outcome::failed;
    report.failure = done.failure;
    report.detail = done.detail;
  }

  bool preempted = st.capture->preempted;
  if (st.capture->for_patrol)
    st.capture->promise.deliver(std::move(report));
  answer_snapshot_requests(self, st.capture->snapshot_requests, done);
  st.capture.reset();
  if (preempted) {
    if (done.ok)
      after_preempted_capture(self, {});
    else
      refuse_pending_leases(self, make_admin_error(admin_errc::conflict,
                                                   "camera " + st.config.id + " failed: " +
                                                       done.failure + " (" + done.detail + ")"));
  }
}

// Spawns the worker of one capture. `promise` answers the patrol's order;
// for an on-demand snapshot there is none (`for_patrol` false) and the
// snapshot requests waiting are answered instead.
void launch_capture(camera_actor_type* self, std::uint64_t patrol_id, std::int64_t budget_ms,
                    caf::response_promise promise, bool for_patrol) {
  auto& st = self->state;
  auto now = timestamp::now();
  capture_job job;
  job.subnet = st.subnet;
  job.camera = st.config;
  job.snapshot_file = snapshot_path(st.snapshot_dir, st.subnet, st.config.id);
  job.budget = budget_for(st.config, budget_ms);
  job.cancel = std::make_shared<std::atomic<bool>>(false);
  job.camera_actor = caf::actor_cast<caf::actor>(self);
  auto budget = job.budget;
  auto cancel = job.cancel;

  auto worker = self->spawn<caf::detached + caf::linked>(capture_worker, std::move(job));
  self->send(st.supervisor, session_opened{st.config.id, patrol_id, worker});

  auto sequence = ++st.capture_sequence;
  running_capture capture;
  capture.worker = worker;
  capture.cancel = cancel;
  capture.patrol_id = patrol_id;
  capture.sequence = sequence;
  capture.started = now;
  capture.promise = std::move(promise);
  capture.budget = budget;
  capture.for_patrol = for_patrol;
  st.capture = std::move(capture);
  spdlog::debug("subnet={} camera={} capture started for {}, budget {} ms", st.subnet, st.config.id,
                for_patrol ? "patrol " + std::to_string(patrol_id) : "an on-demand snapshot",
                budget.capture.count());

  self->delayed_send(self, budget.capture + budget.teardown + overrun_margin, overrun_atom::value,
                     sequence);
  self->request(worker, caf::infinite, capture_atom::value)
      .then([self, sequence](capture_done& done) { finish_capture(self, done, sequence); },
            [self, sequence](caf::error& error) {
              // The worker died without answering (it threw): its session
              // closed with it, through its destructors.
              capture_done done;
              done.failure = to_string(failure_kind::protocol_error);
              done.detail = "capture worker failed: " + self->system().render(error);
              finish_capture(self, done, sequence);
            });
}

caf::result<capture_report> start_capture(camera_actor_type* self, const capture_order& order) {
  auto& st = self->state;
  auto now = timestamp::now();

  if (st.machine.state() == camera_state::backoff) {
    auto report = make_report(st, order.patrol_id, patrol_outcome::skipped_backoff);
    auto left = duration_cast<milliseconds>(st.machine.backoff_until() - now.mono);
    report.detail = "backing off for " + std::to_string(std::max<std::int64_t>(left.count(), 0)) +
                    " ms more after " + std::to_string(st.machine.consecutive_failures()) +
                    " failures";
    return report;
  }
  if (st.live && !st.live->closing)
    return serve_from_live(self, order.patrol_id, order.budget_ms, self->make_response_promise());
  if (st.live) {
    auto report = make_report(st, order.patrol_id, patrol_outcome::busy);
    report.detail = "its live session is still closing";
    return report;
  }
  if (st.capture || !st.machine.start_capture(now, "patrol " + std::to_string(order.patrol_id))) {
    // The supervisor never orders a second capture while one runs (an
    // on-demand snapshot's capture makes the camera busy for it); if it
    // does, refusing keeps the camera at one session.
    spdlog::warn("subnet={} camera={} refused a capture order in state {}: a capture is "
                 "already running",
                 st.subnet, st.config.id, to_string(st.machine.state()));
    auto report = make_report(st, order.patrol_id, patrol_outcome::busy);
    report.detail = "a capture is already running";
    return report;
  }
  auto promise = self->make_response_promise();
  launch_capture(self, order.patrol_id, order.budget_ms, promise, true);
  return promise;
}

// An on-demand snapshot: from the live session if there is one, sharing the
// running capture's picture if one runs, else from a capture of its own.
caf::result<fresh_snapshot> take_snapshot(camera_actor_type* self) {
  auto& st = self->state;
  const auto& id = st.config.id;
  if (st.machine.state() == camera_state::backoff) {
    auto kind = st.machine.last_failure();
    return make_admin_error(admin_errc::conflict,
                            "camera " + id + " is backing off after " +
                                std::to_string(st.machine.consecutive_failures()) +
                                " failures (last: " + (kind ? to_string(*kind) : "none") +
                                "); reset it to try now");
  }
  if (!st.released_workers.empty() || (st.live && st.live->closing))
    return make_admin_error(admin_errc::conflict, "camera " + id +
                                                      "'s last session is still closing; try "
                                                      "again in a moment");
  if (st.live)
    return serve_snapshot_from_live(self, self->make_response_promise());
  auto promise = self->make_response_promise();
  if (st.capture) {
    st.capture->snapshot_requests.push_back(promise);
    return promise;
  }
  if (!st.machine.start_capture(timestamp::now(), "on-demand snapshot"))
    return make_admin_error(admin_errc::conflict, "camera " + id +
                                                      " cannot start a capture in state " +
                                                      to_string(st.machine.state()));
  launch_capture(self, 0, st.config.budget.capture.count(), caf::response_promise{}, false);
  st.capture->snapshot_requests.push_back(promise);
  return promise;
}

std::int64_t epoch_ms(std::chrono::system_clock::time_point at) {
  return duration_cast<milliseconds>(at.time_since_epoch()).count();
}

// The wall-clock time of a steady-clock instant, through the present.
std::int64_t wall_ms_of(std::chrono::steady_clock::time_point at, const timestamp& now) {
  return epoch_ms(now.wall + duration_cast<std::chrono::system_clock::duration>(at - now.mono));
}

std::int64_t ms_between(std::chrono::steady_clock::time_point from,
                        std::chrono::steady_clock::time_point to) {
  return duration_cast<milliseconds>(to - from).count();
}

bool is_stuck(const camera_actor_state& st, const timestamp& now) {
  auto state = st.machine.state();
  if (!st.capture || (state != camera_state::connecting && state != camera_state::capturing))
    return false;
  return now.mono - st.capture->started.mono > st.capture->budget.capture + st.stuck_grace;
}

std::string endpoint_text(const stream_endpoint& endpoint) {
  bool v6 = endpoint.host.find(':') != std::string::npos;
  auto host = v6 ? "[" + endpoint.host + "]" : endpoint.host;
  return host + ":" + std::to_string(endpoint.port) + endpoint.path;
}

camera_view make_view(camera_actor_type* self, bool with_history) {
  const auto& st = self->state;
  const auto& machine = st.machine;
  auto now = timestamp::now();
  camera_view view;
  view.id = st.config.id;
  view.subnet = st.subnet;
  view.model = st.config.model;
  view.endpoint = endpoint_text(st.config.endpoint);
  view.password_source = st.config.password_source;
  view.actor_id = self->id();
  view.state = to_string(machine.state());
  view.entered_at_ms = epoch_ms(machine.entered_at().wall);
  view.time_in_state_ms = ms_between(machine.entered_at().mono, now.mono);
  if (st.capture) {
    const auto& capture = *st.capture;
    view.phase = to_string(capture.phase);
    view.patrol_id = capture.patrol_id;
    view.capture_elapsed_ms = ms_between(capture.started.mono, now.mono);
    view.capture_budget_ms = capture.budget.capture.count();
    view.teardown_budget_ms = capture.budget.teardown.count();
    view.deadline_left_ms = view.capture_budget_ms - view.capture_elapsed_ms;
    view.worker_id = capture.worker.id();
    view.session_open = true;
  }
  view.attempts = machine.attempts();
  view.successes = machine.successes();
  view.failures = machine.failures();
  view.consecutive_failures = machine.consecutive_failures();
  if (machine.state() == camera_state::backoff) {
    view.backoff_until_at_ms = wall_ms_of(machine.backoff_until(), now);
    view.backoff_left_ms = std::max<std::int64_t>(ms_between(now.mono, machine.backoff_until()), 0);
  }
  if (auto kind = machine.last_failure()) {
    view.last_error_kind = to_string(*kind);
    view.last_error_message = st.last_failure_detail;
  }
  if (auto success = machine.last_success())
    view.last_success_at_ms = epoch_ms(success->wall);
  if (st.live) {
    const auto& live = *st.live;
    view.live = true;
    view.worker_id = live.worker.id();
    view.session_open = true;
    view.live_since_at_ms = wall_ms_of(live.started.mono, now);
    view.live_frames = live.frames;
    for (const auto& lease : live.leases)
      view.leases.push_back(lease_view{lease.id, lease.viewer, wall_ms_of(lease.since.mono, now),
                                       lease.frames_served});
  }
  view.stuck = is_stuck(st, now);
  view.forced_releases = st.forced_releases;
  if (with_history)
    for (const auto& transition : machine.history())
      view.transitions.push_back(transition_view{to_string(transition.from),
                                                 to_string(transition.to),
                                                 epoch_ms(transition.at.wall), transition.reason});
  return view;
}

// The sweeper's last resort for a capture that outlived its budget and the
// grace: the camera stops waiting for its worker. The worker's libav call
// still holds the socket until it returns; the supervisor, which monitors the
// worker, keeps counting that session as open and the camera as busy until
// then, so the camera never gets a second session.
void force_release(camera_actor_type* self) {
  auto& st = self->state;
  auto& capture = *st.capture;
  auto held_ms = ms_between(capture.started.mono, std::chrono::steady_clock::now());
  capture.cancel->store(true);
  ++st.forced_releases;
  metrics().forced_release();
  st.released_workers.push_back(capture.worker.address());
  spdlog::warn("subnet={} camera={} force-released its capture of patrol {} after {} ms in "
               "phase {}; its socket closes when the worker's libav call returns",
               st.subnet, st.config.id, capture.patrol_id, held_ms, to_string(capture.phase));
  capture_done done;
  done.failure = to_string(failure_kind::cancelled);
  done.detail = "force-released by the stuck sweeper after " + std::to_string(held_ms) +
                " ms in phase " + to_string(capture.phase);
  finish_capture(self, done, capture.sequence);
}

void on_sweep(camera_actor_type* self, std::int64_t grace_ms) {
  auto& st = self->state;
  st.stuck_grace = milliseconds{grace_ms};
  if (!is_stuck(st, timestamp::now()))
    return;
  if (!st.capture->stuck_logged) {
    st.capture->stuck_logged = true;
    spdlog::warn("subnet={} camera={} stuck: {} for {} ms in phase {}, past its capture budget "
                 "of {} ms plus a grace of {} ms; the sweeper releases it at its next pass",
                 st.subnet, st.config.id, to_string(st.machine.state()),
                 ms_between(st.capture->started.mono, std::chrono::steady_clock::now()),
                 to_string(st.capture->phase), st.capture->budget.capture.count(), grace_ms);
    return;
  }
  force_release(self);
}

act_result on_act(camera_actor_type* self, const camera_act& act) {
  auto& st = self->state;
  act_result result;
  if (act.kind == act_kind::kick) {
    if (st.live && !st.live->closing) {
      auto viewers = st.live->leases.size();
      end_live_session(self, "kicked by an operator");
      spdlog::info("subnet={} camera={} live session kicked by an operator ({} viewers)", st.subnet,
                   st.config.id, viewers);
      result.changed = true;
      result.message = "ended the live session and its " + std::to_string(viewers) +
                       " viewers' leases; it closes within the teardown budget";
      return result;
    }
    if (!st.capture) {
      result.message = "no capture running: nothing to cancel";
      return result;
    }
    st.capture->cancel->store(true);
    spdlog::info("subnet={} camera={} kicked by an operator in phase {}", st.subnet, st.config.id,
                 to_string(st.capture->phase));
    result.changed = true;
    result.message = "cancelled the capture of patrol " + std::to_string(st.capture->patrol_id) +
                     " in phase " + to_string(st.capture->phase) +
                     "; its session closes within the teardown budget";
    return result;
  }
  // act_kind::reset_backoff; the supervisor handles the others.
  if (st.machine.state() != camera_state::backoff) {
    result.message = std::string{"not backing off (state "} + to_string(st.machine.state()) +
                     "): nothing to reset";
    return result;
  }
  st.machine.reset_backoff(timestamp::now());
  spdlog::info("subnet={} camera={} backoff reset by an operator", st.subnet, st.config.id);
  result.changed = true;
  result.message = "backoff reset: the camera is idle and taken at the next patrol";
  return result;
}

} // namespace

capture_report make_report(const camera_actor_state& st, std::uint64_t patrol_id,
                           patrol_outcome outcome) {
  capture_report report;
  report.camera_id = st.config.id;
  report.patrol_id = patrol_id;
  report.outcome = outcome;
  return report;
}

capture_budget budget_for(const camera_config& config, std::int64_t patrol_left_ms) {
  auto budget = config.budget;
  budget.capture =
      std::min(budget.capture, milliseconds{std::max<std::int64_t>(patrol_left_ms, 1)});
  budget.connect = std::min(budget.connect, budget.capture);
  return budget;
}

std::chrono::milliseconds enter_backoff(camera_actor_type* self, failure_kind kind,
                                        const std::string& detail) {
  auto& st = self->state;
  auto delay = backoff_delay(st.config.backoff, st.machine.consecutive_failures() + 1, st.rng);
  st.machine.capture_failed(timestamp::now(), kind, delay);
  st.last_failure_detail = detail;
  log_failure(self, kind, detail, delay);
  self->delayed_send(self, delay, retry_atom::value);
  return delay;
}

void note_success(camera_actor_type* self) {
  auto& st = self->state;
  if (st.last_warned_kind)
    spdlog::info("subnet={} camera={} recovered: snapshot taken after earlier failures", st.subnet,
                 st.config.id);
  st.last_warned_kind.reset();
}

camera_actor_state::~camera_actor_state() {
  if (capture)
    capture->cancel->store(true);
  if (live)
    live->cancel->store(true);
}

caf::behavior camera_actor(camera_actor_type* self, std::string subnet, camera_config config,
                           std::string snapshot_dir, caf::actor supervisor) {
  self->state.subnet = std::move(subnet);
  self->state.config = std::move(config);
  self->state.snapshot_dir = std::move(snapshot_dir);
  self->state.supervisor = std::move(supervisor);
  self->state.stuck_grace = self->state.config.budget.teardown + overrun_margin;

  // Workers are linked so that they learn of this actor's end; their own
  // end (normal after every capture) must not end this actor. Any other
  // exit message (the supervisor's) ends it, and the state's destructor
  // cancels the capture.
  // Viewers are monitored: a viewer's end is the end of its lease.
  self->set_down_handler([self](caf::down_msg& msg) { on_viewer_down(self, msg); });

  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    if (st.capture && msg.source == st.capture->worker.address())
      return;
    if (st.live && msg.source == st.live->worker.address())
      return;
    auto& released = st.released_workers;
    if (auto it = std::find(released.begin(), released.end(), msg.source); it != released.end()) {
      released.erase(it);
      return;
    }
    if (msg.reason == caf::exit_reason::normal)
      return;
    self->quit(msg.reason);
  });

  return {
      [self](const capture_order& order) { return start_capture(self, order); },
      [self](inspect_atom, bool with_history) { return make_view(self, with_history); },
      [self](const camera_act& act) { return on_act(self, act); },
      [self](sweep_atom, std::int64_t grace_ms) { on_sweep(self, grace_ms); },
      [self](cancel_atom) {
        auto& st = self->state;
        if (st.capture) {
          spdlog::debug("subnet={} camera={} cancelling the capture of patrol {}", st.subnet,
                        st.config.id, st.capture->patrol_id);
          st.capture->cancel->store(true);
        }
      },
      [self](lease_request& request) { return request_lease(self, request); },
      [self](snapshot_atom, const std::string&) { return take_snapshot(self); },
      [self](live_frame& frame) { on_live_frame(self, frame); },
      [self](lease_expired_atom, std::uint64_t lease_id) { on_lease_expired(self, lease_id); },
      [self](frame_wait_atom, std::uint64_t sequence) { on_frame_wait_over(self, sequence); },
      [self](phase_atom, capture_phase phase) {
        auto& st = self->state;
        if (st.live && !st.capture) {
          // Phases of the live session (a capture and a live session never
          // run at once).
          st.live->phase = phase;
          if (phase >= capture_phase::waiting_for_key_frame &&
              phase != capture_phase::tearing_down &&
              st.machine.state() == camera_state::connecting)
            st.machine.session_ready(timestamp::now());
          return;
        }
        if (!st.capture)
          return;
        st.capture->phase = phase;
        if (phase >= capture_phase::waiting_for_key_frame &&
            st.machine.state() == camera_state::connecting)
          st.machine.session_ready(timestamp::now());
      },
      [self](retry_atom) {
        auto& st = self->state;
        if (st.machine.state() != camera_state::backoff)
          return;
        auto now = timestamp::now();
        if (!st.machine.backoff_elapsed(now)) {
          // A timer may fire a hair early, or belong to an earlier backoff
          // that an operator reset: wait for the rest of this one.
          auto left = duration_cast<milliseconds>(st.machine.backoff_until() - now.mono);
          self->delayed_send(self, std::max(left, milliseconds{1}), retry_atom::value);
        }
      },
      [self](overrun_atom, std::uint64_t sequence) {
        auto& st = self->state;
        if (!st.capture || st.capture->sequence != sequence)
          return;
        spdlog::warn("subnet={} camera={} capture overran its budget in phase {}; cancelling it. "
                     "A libav call is ignoring its interrupt callback",
                     st.subnet, st.config.id, to_string(st.capture->phase));
        st.capture->cancel->store(true);
      },
  };
}

} // namespace camfleet
