#include "actors/camera_actor.hpp"

#include "actors/capture_worker.hpp"
#include "camera/backoff.hpp"
#include "fleet/snapshot_store.hpp"
#include "messages/fleet_messages.hpp"

#include <algorithm>

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

capture_report make_report(const camera_actor_state& st, std::uint64_t patrol_id,
                           patrol_outcome outcome) {
  capture_report report;
  report.camera_id = st.config.id;
  report.patrol_id = patrol_id;
  report.outcome = outcome;
  return report;
}

// The budgets of one capture: the camera's own, cut to what is left of the
// patrol. The teardown budget is never cut: it is what lets the TEARDOWN out.
capture_budget budget_for(const camera_config& config, std::int64_t patrol_left_ms) {
  auto budget = config.budget;
  budget.capture =
      std::min(budget.capture, milliseconds{std::max<std::int64_t>(patrol_left_ms, 1)});
  budget.connect = std::min(budget.connect, budget.capture);
  return budget;
}

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

void finish_capture(camera_actor_type* self, const capture_done& done) {
  auto& st = self->state;
  if (!st.capture)
    return;
  auto now = timestamp::now();
  auto report = make_report(st, st.capture->patrol_id, patrol_outcome::captured);
  report.duration_ms = duration_cast<milliseconds>(now.mono - st.capture->started.mono).count();

  if (done.ok) {
    // A capture that succeeds has played the session, even if the phase
    // message announcing it was overtaken.
    if (st.machine.state() == camera_state::connecting)
      st.machine.session_ready(now);
    st.machine.capture_succeeded(now);
    report.snapshot_bytes = done.snapshot_bytes;
    report.width = done.width;
    report.height = done.height;
    if (st.last_warned_kind)
      spdlog::info("subnet={} camera={} recovered: snapshot taken after earlier failures",
                   st.subnet, st.config.id);
    st.last_warned_kind.reset();
    spdlog::debug("subnet={} camera={} snapshot {}x{}, {} bytes, first frame after {} ms",
                  st.subnet, st.config.id, done.width, done.height, done.snapshot_bytes,
                  done.time_to_frame_ms);
  } else {
    auto kind = failure_kind_from_string(done.failure).value_or(failure_kind::protocol_error);
    auto delay = backoff_delay(st.config.backoff, st.machine.consecutive_failures() + 1, st.rng);
    st.machine.capture_failed(now, kind, delay);
    log_failure(self, kind, done.detail, delay);
    self->delayed_send(self, delay, retry_atom::value);
    report.outcome = patrol_outcome::failed;
    report.failure = done.failure;
    report.detail = done.detail;
  }

  st.capture->promise.deliver(std::move(report));
  st.capture.reset();
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
  if (st.capture || !st.machine.start_capture(now, "patrol " + std::to_string(order.patrol_id))) {
    // The supervisor never orders a second capture while one runs; if it
    // does, refusing keeps the camera at one session.
    spdlog::error("subnet={} camera={} refused a capture order in state {}: a second session "
                  "was asked for; this is a bug in the subnet supervisor",
                  st.subnet, st.config.id, to_string(st.machine.state()));
    auto report = make_report(st, order.patrol_id, patrol_outcome::busy);
    report.detail = "a capture is already running";
    return report;
  }

  capture_job job;
  job.subnet = st.subnet;
  job.camera = st.config;
  job.snapshot_file = snapshot_path(st.snapshot_dir, st.subnet, st.config.id);
  job.budget = budget_for(st.config, order.budget_ms);
  job.cancel = std::make_shared<std::atomic<bool>>(false);
  job.camera_actor = caf::actor_cast<caf::actor>(self);
  auto budget = job.budget;
  auto cancel = job.cancel;

  auto worker = self->spawn<caf::detached + caf::linked>(capture_worker, std::move(job));
  self->send(st.supervisor, session_opened{st.config.id, order.patrol_id, worker});

  auto sequence = ++st.capture_sequence;
  st.capture = running_capture{worker,
                               cancel,
                               order.patrol_id,
                               sequence,
                               now,
                               capture_phase::connecting,
                               self->make_response_promise()};
  spdlog::debug("subnet={} camera={} capture started for patrol {}, budget {} ms", st.subnet,
                st.config.id, order.patrol_id, budget.capture.count());

  self->delayed_send(self, budget.capture + budget.teardown + overrun_margin, overrun_atom::value,
                     sequence);
  self->request(worker, caf::infinite, capture_atom::value)
      .then([self](capture_done& done) { finish_capture(self, done); },
            [self](caf::error& error) {
              // The worker died without answering (it threw): its session
              // closed with it, through its destructors.
              capture_done done;
              done.failure = to_string(failure_kind::protocol_error);
              done.detail = "capture worker failed: " + self->system().render(error);
              finish_capture(self, done);
            });
  return st.capture->promise;
}

} // namespace

camera_actor_state::~camera_actor_state() {
  if (capture)
    capture->cancel->store(true);
}

caf::behavior camera_actor(camera_actor_type* self, std::string subnet, camera_config config,
                           std::string snapshot_dir, caf::actor supervisor) {
  self->state.subnet = std::move(subnet);
  self->state.config = std::move(config);
  self->state.snapshot_dir = std::move(snapshot_dir);
  self->state.supervisor = std::move(supervisor);

  // Workers are linked so that they learn of this actor's end; their own
  // end (normal after every capture) must not end this actor. Any other
  // exit message (the supervisor's) ends it, and the state's destructor
  // cancels the capture.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    if (st.capture && msg.source == st.capture->worker.address())
      return;
    if (msg.reason == caf::exit_reason::normal)
      return;
    self->quit(msg.reason);
  });

  return {
      [self](const capture_order& order) { return start_capture(self, order); },
      [self](cancel_atom) {
        auto& st = self->state;
        if (st.capture) {
          spdlog::debug("subnet={} camera={} cancelling the capture of patrol {}", st.subnet,
                        st.config.id, st.capture->patrol_id);
          st.capture->cancel->store(true);
        }
      },
      [self](phase_atom, capture_phase phase) {
        auto& st = self->state;
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
