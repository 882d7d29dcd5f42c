#include "actors/subnet_supervisor.hpp"

#include "actors/camera_actor.hpp"
#include "actors/subnet_admin.hpp"
#include "fleet/metrics.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace camfleet {

void spawn_camera(subnet_supervisor_type* self, std::size_t index) {
  auto& st = self->state;
  auto& camera = st.cameras[index];
  camera.actor =
      self->spawn<caf::linked>(camera_actor, st.options.subnet.name, camera.config,
                               st.options.snapshot_dir, caf::actor_cast<caf::actor>(self));
}

bool sessions_open(const subnet_supervisor_state& st) {
  return std::any_of(st.cameras.begin(), st.cameras.end(), [](const supervised_camera& camera) {
    return camera.worker || camera.live_worker;
  });
}

bool capture_sessions_open(const subnet_supervisor_state& st) {
  return std::any_of(st.cameras.begin(), st.cameras.end(),
                     [](const supervised_camera& camera) { return bool{camera.worker}; });
}

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// How long after the deadline a patrol waits for cancelled captures: their
// teardown budget plus libav's polling interval and scheduling slack.
milliseconds grace_after_deadline(const subnet_config& subnet) {
  milliseconds longest_teardown{0};
  for (const auto& camera : subnet.cameras)
    longest_teardown = std::max(longest_teardown, camera.budget.teardown);
  return longest_teardown + milliseconds{1000};
}

std::int64_t epoch_ms(std::chrono::system_clock::time_point at) {
  return duration_cast<milliseconds>(at.time_since_epoch()).count();
}

std::optional<std::size_t> camera_by_actor(subnet_supervisor_state& st,
                                           const caf::actor_addr& addr) {
  for (std::size_t i = 0; i < st.cameras.size(); ++i)
    if (st.cameras[i].actor && st.cameras[i].actor.address() == addr)
      return i;
  return std::nullopt;
}

std::optional<std::size_t> camera_by_worker(subnet_supervisor_state& st,
                                            const caf::actor_addr& addr) {
  for (std::size_t i = 0; i < st.cameras.size(); ++i) {
    const auto& camera = st.cameras[i];
    if ((camera.worker && camera.worker.address() == addr) ||
        (camera.live_worker && camera.live_worker.address() == addr))
      return i;
  }
  return std::nullopt;
}

} // namespace

void schedule_next_patrol(subnet_supervisor_type* self) {
  auto& st = self->state;
  if (st.stopping)
    return;
  if (st.options.max_patrols != 0 && st.patrols_finished >= st.options.max_patrols)
    return;
  self->delayed_send(self, st.options.subnet.patrol_interval, patrol_atom::value,
                     ++st.timer_sequence);
}

namespace {

// To the writer as a request, so that its acknowledgement bounds how many
// reports wait in its mailbox; past the bound the report is not logged
// (the root and the API still get it).
void send_to_patrol_log(subnet_supervisor_type* self, const patrol_report& report) {
  auto& st = self->state;
  if (st.patrol_log_pending >= patrol_log_pending_limit) {
    metrics().patrol_log_dropped();
    if (!st.patrol_log_behind)
      spdlog::warn("subnet={} the patrol log writer has {} reports waiting (is the disk or the "
                   "file stalled?); patrol {} and further ones are left out of the patrol log "
                   "until it catches up, counted in camfleet_patrol_log_dropped_total",
                   st.options.subnet.name, st.patrol_log_pending, report.patrol_id);
    st.patrol_log_behind = true;
    return;
  }
  ++st.patrol_log_pending;
  auto acknowledged = [self] {
    auto& state = self->state;
    --state.patrol_log_pending;
    if (state.patrol_log_behind && state.patrol_log_pending == 0) {
      state.patrol_log_behind = false;
      spdlog::info("subnet={} the patrol log writer caught up; patrol reports are logged again",
                   state.options.subnet.name);
    }
  };
  self->request(st.options.patrol_log, caf::infinite, report)
      .then([acknowledged]() { acknowledged(); }, [acknowledged](caf::error&) { acknowledged(); });
}

void finish_patrol(subnet_supervisor_type* self) {
  auto& st = self->state;
  auto& patrol = *st.patrol;
  auto now = timestamp::now();

  patrol_report report;
  report.subnet = st.options.subnet.name;
  report.patrol_id = patrol.id;
  report.started_at_ms = epoch_ms(patrol.started.wall);
  report.ended_at_ms = epoch_ms(now.wall);
  report.duration_ms = duration_cast<milliseconds>(now.mono - patrol.started.mono).count();
  report.deadline_reached = patrol.deadline_reached;
  for (std::size_t i = 0; i < st.cameras.size(); ++i) {
    if (patrol.results[i]) {
      report.cameras.push_back(std::move(*patrol.results[i]));
      continue;
    }
    // Only when the grace ran out with a camera still silent.
    capture_report missing;
    missing.camera_id = st.cameras[i].config.id;
    missing.patrol_id = patrol.id;
    missing.outcome = patrol_outcome::lost;
    missing.detail = "no answer before the patrol's grace period ended";
    report.cameras.push_back(std::move(missing));
  }

  auto elapsed = duration_cast<milliseconds>(now.mono - patrol.started.mono);
  spdlog::info("subnet={} patrol={} done in {} ms: {}/{} captured, {} failed, {} backing off, "
               "{} not started, {} busy, {} lost{}",
               report.subnet, report.patrol_id, elapsed.count(),
               report.count(patrol_outcome::captured), report.cameras.size(),
               report.count(patrol_outcome::failed), report.count(patrol_outcome::skipped_backoff),
               report.count(patrol_outcome::not_started), report.count(patrol_outcome::busy),
               report.count(patrol_outcome::lost),
               patrol.deadline_reached ? "; deadline reached" : "");

  metrics().patrol_finished(elapsed.count());
  if (st.options.patrol_log)
    send_to_patrol_log(self, report);
  if (st.options.root)
    self->send(st.options.root, std::move(report));
  st.patrol.reset();
  ++st.patrols_finished;
  schedule_next_patrol(self);
  apply_pending_config(self);
}

void check_patrol_done(subnet_supervisor_type* self) {
  auto& st = self->state;
  if (!st.patrol || !st.patrol->queue.empty() || st.patrol->in_flight > 0)
    return;
  // Construct-then-destruct: the patrol is over only when none of its
  // sessions is held (a live session held for viewers served it instead).
  if (capture_sessions_open(st))
    return;
  finish_patrol(self);
}

void record(subnet_supervisor_type* self, std::size_t index, capture_report report) {
  auto& st = self->state;
  if (!st.patrol || report.patrol_id != st.patrol->id || st.patrol->results[index])
    return;
  bool attempted =
      report.outcome == patrol_outcome::captured || report.outcome == patrol_outcome::failed;
  metrics().capture_finished(to_string(report.outcome), report.failure, report.duration_ms,
                             attempted);
  st.patrol->results[index] = std::move(report);
  --st.patrol->in_flight;
}

void dispatch(subnet_supervisor_type* self) {
  auto& st = self->state;
  auto& patrol = *st.patrol;
  auto deadline = patrol.started.mono + st.options.subnet.patrol_deadline;

  while (!patrol.queue.empty() && patrol.in_flight < st.options.subnet.parallel_captures) {
    auto index = patrol.queue.front();
    patrol.queue.pop_front();
    auto& camera = st.cameras[index];

    if (camera.paused || camera.worker) {
      // Not asked: paused by an operator, or its last session still closing
      // (a camera never has two sessions).
      capture_report skipped;
      skipped.camera_id = camera.config.id;
      skipped.patrol_id = patrol.id;
      skipped.outcome = camera.paused ? patrol_outcome::paused : patrol_outcome::busy;
      skipped.detail =
          camera.paused ? "paused by an operator" : "the previous session is still closing";
      metrics().capture_finished(to_string(skipped.outcome), "", 0, false);
      patrol.results[index] = std::move(skipped);
      continue;
    }

    auto left = duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    ++patrol.in_flight;
    auto patrol_id = patrol.id;
    self->request(camera.actor, caf::infinite, capture_order{patrol_id, left.count()})
        .then(
            [self, index](capture_report& report) {
              record(self, index, std::move(report));
              if (self->state.patrol)
                dispatch(self);
            },
            [self, index, patrol_id](caf::error& error) {
              // The camera actor died before answering; its state's destructor
              // cancelled the capture, and the worker's end will be seen.
              capture_report lost;
              lost.camera_id = self->state.cameras[index].config.id;
              lost.patrol_id = patrol_id;
              lost.outcome = patrol_outcome::lost;
              lost.detail =
                  "camera actor ended during the capture: " + self->system().render(error);
              record(self, index, std::move(lost));
              if (self->state.patrol)
                dispatch(self);
            });
  }
  check_patrol_done(self);
}

} // namespace

bool start_patrol(subnet_supervisor_type* self) {
  auto& st = self->state;
  if (st.stopping)
    return false;
  if (st.paused) {
    spdlog::debug("subnet={} paused; no patrol starts until it is resumed", st.options.subnet.name);
    return false;
  }
  if (st.patrol) {
    spdlog::debug("subnet={} patrol {} still running; not starting another", st.options.subnet.name,
                  st.patrol->id);
    return false;
  }
  patrol_run patrol;
  patrol.id = st.next_patrol_id++;
  patrol.started = timestamp::now();
  patrol.results.resize(st.cameras.size());
  for (std::size_t i = 0; i < st.cameras.size(); ++i)
    patrol.queue.push_back(i);
  st.patrol = std::move(patrol);
  spdlog::debug("subnet={} patrol={} started over {} cameras", st.options.subnet.name,
                st.patrol->id, st.cameras.size());
  self->delayed_send(self, st.options.subnet.patrol_deadline, deadline_atom::value, st.patrol->id);
  dispatch(self);
  return true;
}

namespace {

void on_deadline(subnet_supervisor_type* self, std::uint64_t patrol_id) {
  auto& st = self->state;
  if (!st.patrol || st.patrol->id != patrol_id)
    return;
  auto& patrol = *st.patrol;
  patrol.deadline_reached = true;

  for (auto index : patrol.queue) {
    capture_report skipped;
    skipped.camera_id = st.cameras[index].config.id;
    skipped.patrol_id = patrol.id;
    skipped.outcome = patrol_outcome::not_started;
    skipped.detail = "the patrol deadline passed before this camera's turn";
    patrol.results[index] = std::move(skipped);
  }
  patrol.queue.clear();

  std::size_t cancelled = 0;
  for (std::size_t i = 0; i < st.cameras.size(); ++i) {
    if (!patrol.results[i] && st.cameras[i].actor) {
      self->send(st.cameras[i].actor, cancel_atom::value);
      ++cancelled;
    }
  }
  spdlog::info("subnet={} patrol={} reached its deadline of {} ms; cancelling {} captures",
               st.options.subnet.name, patrol.id, st.options.subnet.patrol_deadline.count(),
               cancelled);
  self->delayed_send(self, grace_after_deadline(st.options.subnet), grace_atom::value, patrol.id);
  check_patrol_done(self);
}

void on_grace_over(subnet_supervisor_type* self, std::uint64_t patrol_id) {
  auto& st = self->state;
  if (!st.patrol || st.patrol->id != patrol_id)
    return;
  for (const auto& camera : st.cameras)
    if (camera.worker)
      spdlog::error("subnet={} camera={} session still held {} ms after the deadline, although "
                    "it was cancelled; the camera is skipped until its worker ends",
                    st.options.subnet.name, camera.config.id,
                    grace_after_deadline(st.options.subnet).count());
  // Stop waiting: the cameras that still hold a session are "busy" in later
  // patrols until their workers end, so none gets a second session.
  st.patrol->in_flight = 0;
  finish_patrol(self);
}

void begin_shutdown(subnet_supervisor_type* self, caf::error reason) {
  auto& st = self->state;
  if (st.stopping)
    return;
  st.stopping = reason;
  spdlog::debug("subnet={} stopping: cancelling every capture", st.options.subnet.name);
  for (auto& camera : st.cameras)
    if (camera.actor)
      self->send_exit(camera.actor, reason);
  if (!sessions_open(st)) {
    self->quit(reason);
    return;
  }
  self->delayed_send(self, grace_after_deadline(st.options.subnet), grace_atom::value,
                     std::uint64_t{0});
}

// OTP's restart intensity: more than max_restarts within the window.
bool restart_allowed(subnet_supervisor_state& st) {
  auto now = std::chrono::steady_clock::now();
  auto window = st.options.camera_restarts.window;
  while (!st.recent_restarts.empty() && now - st.recent_restarts.front() > window)
    st.recent_restarts.pop_front();
  st.recent_restarts.push_back(now);
  return st.recent_restarts.size() <= st.options.camera_restarts.max_restarts;
}

void on_camera_exit(subnet_supervisor_type* self, std::size_t index, const caf::error& reason) {
  auto& st = self->state;
  auto& camera = st.cameras[index];
  camera.actor = nullptr;
  // A session still closing belongs to no actor now: the camera counts as
  // busy until it ends, whatever kind it was.
  if (camera.live_worker && !camera.worker)
    camera.worker = std::exchange(camera.live_worker, nullptr);
  camera.orphan_worker = bool{camera.worker};
  if (st.stopping)
    return;
  if (!restart_allowed(st)) {
    spdlog::error("subnet={} camera={} ended ({}); more than {} camera restarts within {} ms, "
                  "giving up on the subnet",
                  st.options.subnet.name, camera.config.id, self->system().render(reason),
                  st.options.camera_restarts.max_restarts,
                  st.options.camera_restarts.window.count());
    begin_shutdown(
        self, caf::make_error(caf::sec::runtime_error,
                              "camera restart limit exceeded in subnet " + st.options.subnet.name));
    return;
  }
  spdlog::warn("subnet={} camera={} actor ended ({}); restarting it", st.options.subnet.name,
               camera.config.id, self->system().render(reason));
  ++st.camera_restarts;
  metrics().camera_restarted(st.options.subnet.name);
  spawn_camera(self, index);
}

void start_cameras(subnet_supervisor_type* self, subnet_supervisor_options options) {
  auto& st = self->state;
  st.options = std::move(options);
  st.next_patrol_id = st.options.first_patrol_id;
  for (const auto& config : st.options.subnet.cameras)
    st.cameras.push_back(supervised_camera{config, nullptr, nullptr, nullptr, false, false});
  for (std::size_t i = 0; i < st.cameras.size(); ++i)
    spawn_camera(self, i);
}

} // namespace

caf::behavior subnet_supervisor(subnet_supervisor_type* self, subnet_supervisor_options options) {
  start_cameras(self, std::move(options));

  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    if (auto index = camera_by_actor(st, msg.source)) {
      on_camera_exit(self, *index, msg.reason);
      return;
    }
    // Anything else linked to us is our parent: its exit is our shutdown.
    if (msg.reason != caf::exit_reason::normal)
      begin_shutdown(self, msg.reason);
  });

  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    auto index = camera_by_worker(st, msg.source);
    if (!index)
      return;
    auto& camera = st.cameras[*index];
    if (camera.worker && camera.worker.address() == msg.source) {
      camera.worker = nullptr;
      camera.orphan_worker = false;
    } else {
      camera.live_worker = nullptr;
    }
    spdlog::debug("subnet={} camera={} session released", st.options.subnet.name,
                  st.cameras[*index].config.id);
    if (st.stopping) {
      if (!sessions_open(st))
        self->quit(*st.stopping);
      return;
    }
    check_patrol_done(self);
    apply_pending_config(self);
  });

  self->send(self, patrol_atom::value);
  sweep_cameras(self);
  return {
      [self](shutdown_atom) { begin_shutdown(self, caf::exit_reason::user_shutdown); },
      [self](patrol_atom) { start_patrol(self); },
      [self](patrol_atom, std::uint64_t timer) {
        if (timer == self->state.timer_sequence)
          start_patrol(self);
      },
      [self](deadline_atom, std::uint64_t patrol_id) { on_deadline(self, patrol_id); },
      [self](sweep_atom) { sweep_cameras(self); },
      [self](inspect_atom) { return inspect_subnet(self); },
      [self](inspect_atom, const std::string& id) { return inspect_camera(self, id); },
      [self](const camera_act& act) { return act_on_camera(self, act); },
      [self](lease_request& request) { return lease_camera(self, request); },
      [self](snapshot_atom, const std::string& id) { return snapshot_camera(self, id); },
      [self](const subnet_act& act) { return act_on_subnet(self, act); },
      [self](subnet_reconfigure& update) { reconfigure(self, std::move(update.config)); },
      [self](grace_atom, std::uint64_t patrol_id) {
        auto& st = self->state;
        if (st.stopping) {
          spdlog::error(
              "subnet={} {} sessions still held after shutdown began; quitting anyway",
              st.options.subnet.name,
              std::count_if(st.cameras.begin(), st.cameras.end(),
                            [](const supervised_camera& c) { return c.worker || c.live_worker; }));
          self->quit(*st.stopping);
          return;
        }
        on_grace_over(self, patrol_id);
      },
      [self](session_opened& opened) {
        auto& st = self->state;
        auto index = camera_by_actor(st, caf::actor_cast<caf::actor_addr>(self->current_sender()));
        if (!index)
          return;
        auto& camera = st.cameras[*index];
        (opened.live ? camera.live_worker : camera.worker) = opened.worker;
        self->monitor(opened.worker);
      },
  };
}

} // namespace camfleet
