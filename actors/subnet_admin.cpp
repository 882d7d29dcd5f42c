#include "actors/subnet_admin.hpp"

#include "actors/admin_relay.hpp"
#include "actors/camera_actor.hpp"
#include "config/config_diff.hpp"

#include <algorithm>
#include <map>
#include <variant>

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace camfleet {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::int64_t epoch_ms(std::chrono::system_clock::time_point at) {
  return duration_cast<milliseconds>(at.time_since_epoch()).count();
}

std::optional<std::size_t> camera_by_id(const subnet_supervisor_state& st, const std::string& id) {
  for (std::size_t i = 0; i < st.cameras.size(); ++i)
    if (st.cameras[i].config.id == id)
      return i;
  return std::nullopt;
}

// What only the supervisor knows about a camera: whether an operator paused
// it and whether a worker still holds its session (it monitors the workers,
// so this stays true after a forced release until the socket is closed).
void add_supervisor_facts(const supervised_camera& camera, camera_view& view) {
  view.paused = camera.paused;
  if (camera.worker) {
    view.session_open = true;
    view.worker_id = camera.worker.id();
  }
}

// A camera whose actor is being restarted answers nothing; say so.
camera_view down_view(const subnet_supervisor_state& st, const supervised_camera& camera) {
  camera_view view;
  view.id = camera.config.id;
  view.subnet = st.options.subnet.name;
  view.model = camera.config.model;
  view.password_source = camera.config.password_source;
  view.state = "down";
  add_supervisor_facts(camera, view);
  return view;
}

subnet_view base_view(const subnet_supervisor_state& st) {
  subnet_view view;
  view.name = st.options.subnet.name;
  view.paused = st.paused;
  view.camera_restarts = st.camera_restarts;
  view.patrols_finished = st.patrols_finished;
  view.patrol_interval_ms = st.options.subnet.patrol_interval.count();
  if (st.patrol) {
    const auto& patrol = *st.patrol;
    auto now = std::chrono::steady_clock::now();
    auto deadline = patrol.started.mono + st.options.subnet.patrol_deadline;
    view.patrol_id = patrol.id;
    view.patrol_started_at_ms = epoch_ms(patrol.started.wall);
    view.patrol_deadline_at_ms = epoch_ms(patrol.started.wall + st.options.subnet.patrol_deadline);
    view.patrol_deadline_left_ms = duration_cast<milliseconds>(deadline - now).count();
    view.patrol_total = static_cast<std::uint32_t>(patrol.results.size());
    view.patrol_done = static_cast<std::uint32_t>(
        std::count_if(patrol.results.begin(), patrol.results.end(),
                      [](const std::optional<capture_report>& r) { return r.has_value(); }));
    view.patrol_in_flight = static_cast<std::uint32_t>(patrol.in_flight);
    view.patrol_queued = static_cast<std::uint32_t>(patrol.queue.size());
  }
  return view;
}

// The view being assembled while the cameras answer.
struct pending_subnet_view {
  subnet_view view;
  std::size_t waiting = 0;
  caf::typed_response_promise<subnet_view> promise;

  void answered() {
    if (--waiting == 0)
      promise.deliver(std::move(view));
  }
};

} // namespace

caf::result<subnet_view> inspect_subnet(subnet_supervisor_type* self) {
  auto& st = self->state;
  auto pending = std::make_shared<pending_subnet_view>();
  pending->view = base_view(st);
  pending->promise = self->make_response_promise<subnet_view>();
  for (const auto& camera : st.cameras) {
    pending->view.cameras.push_back(down_view(st, camera));
    if (camera.actor)
      ++pending->waiting;
  }
  if (pending->waiting == 0)
    return std::move(pending->view);

  for (std::size_t i = 0; i < st.cameras.size(); ++i) {
    if (!st.cameras[i].actor)
      continue;
    auto id = st.cameras[i].config.id;
    self->request(st.cameras[i].actor, admin_relay_timeout, inspect_atom::value, false)
        .then(
            [self, pending, i, id](camera_view& view) {
              // Look the camera up again: a reload may have reordered them.
              if (auto index = camera_by_id(self->state, id))
                add_supervisor_facts(self->state.cameras[*index], view);
              pending->view.cameras[i] = std::move(view);
              pending->answered();
            },
            [pending](caf::error&) {
              // The camera ended meanwhile: it stays listed as "down".
              pending->answered();
            });
  }
  return pending->promise;
}

caf::result<camera_view> inspect_camera(subnet_supervisor_type* self, const std::string& id) {
  auto& st = self->state;
  auto index = camera_by_id(st, id);
  if (!index)
    return make_admin_error(admin_errc::not_found, "no camera \"" + id + "\"");
  const auto& camera = st.cameras[*index];
  if (!camera.actor)
    return down_view(st, camera);
  auto promise = self->make_response_promise<camera_view>();
  self->request(camera.actor, admin_relay_timeout, inspect_atom::value, true)
      .then(
          [self, promise, id](camera_view& view) mutable {
            if (auto found = camera_by_id(self->state, id))
              add_supervisor_facts(self->state.cameras[*found], view);
            promise.deliver(std::move(view));
          },
          [promise](caf::error& error) mutable { promise.deliver(std::move(error)); });
  return promise;
}

caf::result<act_result> act_on_camera(subnet_supervisor_type* self, const camera_act& act) {
  auto& st = self->state;
  auto index = camera_by_id(st, act.camera_id);
  if (!index)
    return make_admin_error(admin_errc::not_found, "no camera \"" + act.camera_id + "\"");
  auto& camera = st.cameras[*index];
  act_result result;
  switch (act.kind) {
  case act_kind::kick:
  case act_kind::reset_backoff:
    if (!camera.actor)
      return make_admin_error(admin_errc::unavailable,
                              "camera \"" + act.camera_id + "\" is being restarted; try again");
    return relay<act_result>(self, camera.actor, act);
  case act_kind::pause:
  case act_kind::resume: {
    bool pause = act.kind == act_kind::pause;
    result.changed = camera.paused != pause;
    camera.paused = pause;
    if (result.changed)
      spdlog::info("subnet={} camera={} {} by an operator", st.options.subnet.name,
                   camera.config.id, pause ? "paused" : "resumed");
    if (!result.changed)
      result.message = pause ? "already paused" : "not paused";
    else if (pause)
      result.message = "paused: patrols skip it until it is resumed; a capture running now "
                       "finishes (kick it to cancel it)";
    else
      result.message = "resumed: the next patrol takes it";
    return result;
  }
  case act_kind::patrol_now:
    break;
  }
  return make_admin_error(admin_errc::conflict, "patrols are started per subnet, not per camera");
}

namespace {

// The camera a viewer or an on-demand snapshot wants, or why it may not
// have a session now: not found, paused, stopping, or restarting with its
// last session still closing.
std::variant<caf::actor, caf::error>
camera_for_session(subnet_supervisor_type* self, const std::string& id, const char* purpose) {
  auto& st = self->state;
  auto index = camera_by_id(st, id);
  if (!index)
    return make_admin_error(admin_errc::not_found, "no camera \"" + id + "\"");
  const auto& camera = st.cameras[*index];
  if (camera.paused || st.paused)
    return make_admin_error(admin_errc::conflict,
                            "camera " + id + (camera.paused ? " is" : "'s subnet is") +
                                " paused by an operator: resume it " + purpose);
  if (st.stopping)
    return make_admin_error(admin_errc::unavailable,
                            "subnet " + st.options.subnet.name + " is stopping");
  if (!camera.actor || camera.orphan_worker)
    return make_admin_error(admin_errc::conflict,
                            "camera " + id + " is being restarted and its last session is " +
                                "still closing; try again in a moment");
  return camera.actor;
}

} // namespace

caf::result<lease_grant> lease_camera(subnet_supervisor_type* self, lease_request& request) {
  auto camera = camera_for_session(self, request.camera_id, "to watch");
  if (auto* error = std::get_if<caf::error>(&camera))
    return std::move(*error);
  return relay_within<lease_grant>(self, lease_relay_timeout, std::get<caf::actor>(camera),
                                   std::move(request));
}

caf::result<fresh_snapshot> snapshot_camera(subnet_supervisor_type* self, const std::string& id) {
  auto camera = camera_for_session(self, id, "to take a snapshot");
  if (auto* error = std::get_if<caf::error>(&camera))
    return std::move(*error);
  return relay_within<fresh_snapshot>(self, lease_relay_timeout, std::get<caf::actor>(camera),
                                      snapshot_atom::value, id);
}

caf::result<act_result> act_on_subnet(subnet_supervisor_type* self, const subnet_act& act) {
  auto& st = self->state;
  const auto& name = st.options.subnet.name;
  act_result result;
  switch (act.kind) {
  case act_kind::pause:
    result.changed = !st.paused;
    st.paused = true;
    result.message = result.changed ? "paused: no patrol starts until it is resumed; a patrol "
                                      "running now finishes"
                                    : "already paused";
    break;
  case act_kind::resume:
    result.changed = st.paused;
    st.paused = false;
    if (result.changed)
      schedule_next_patrol(self);
    result.message = result.changed ? "resumed: the next patrol starts after the patrol interval "
                                      "(or start one now with patrol)"
                                    : "not paused";
    break;
  case act_kind::patrol_now:
    if (st.stopping)
      return make_admin_error(admin_errc::unavailable, "subnet " + name + " is stopping");
    if (st.paused)
      return make_admin_error(admin_errc::conflict,
                              "subnet " + name + " is paused; resume it first");
    if (st.patrol)
      return make_admin_error(admin_errc::conflict, "patrol " + std::to_string(st.patrol->id) +
                                                        " of subnet " + name + " is still running");
    if (!start_patrol(self))
      return make_admin_error(admin_errc::conflict, "subnet " + name + " cannot patrol now");
    // The patrol just started has the latest id.
    result.changed = true;
    result.patrol_id = st.patrol ? st.patrol->id : st.next_patrol_id - 1;
    result.message = "patrol " + std::to_string(result.patrol_id) + " started";
    return result;
  case act_kind::kick:
  case act_kind::reset_backoff:
    return make_admin_error(admin_errc::conflict,
                            std::string{to_string(act.kind)} + " applies to cameras, not subnets");
  }
  if (result.changed)
    spdlog::info("subnet={} {} by an operator", name,
                 act.kind == act_kind::pause ? "paused" : "resumed");
  return result;
}

void sweep_cameras(subnet_supervisor_type* self) {
  auto& st = self->state;
  if (st.stopping)
    return;
  for (const auto& camera : st.cameras) {
    if (!camera.actor)
      continue;
    auto grace =
        st.options.stuck.grace.value_or(camera.config.budget.teardown + milliseconds{2000});
    self->send(camera.actor, sweep_atom::value, std::int64_t{grace.count()});
  }
  self->delayed_send(self, st.options.stuck.sweep_interval, sweep_atom::value);
}

void reconfigure(subnet_supervisor_type* self, std::shared_ptr<const subnet_config> config) {
  self->state.pending_config = std::move(config);
  if (self->state.patrol || sessions_open(self->state))
    spdlog::info("subnet={} new configuration received; applied once the running patrol has "
                 "closed every session",
                 self->state.options.subnet.name);
  apply_pending_config(self);
}

void apply_pending_config(subnet_supervisor_type* self) {
  auto& st = self->state;
  if (!st.pending_config || st.patrol || st.stopping || sessions_open(st))
    return;
  auto config = std::move(st.pending_config);
  st.pending_config.reset();

  std::map<std::string, supervised_camera*> old;
  for (auto& camera : st.cameras)
    old[camera.config.id] = &camera;

  // Unchanged cameras keep their actor, with its history and backoff.
  std::vector<supervised_camera> next;
  std::size_t restarted = 0;
  for (const auto& camera_config : config->cameras) {
    auto it = old.find(camera_config.id);
    if (it != old.end() && same_camera(it->second->config, camera_config)) {
      next.push_back(std::move(*it->second));
      old.erase(it);
      continue;
    }
    bool paused = it != old.end() && it->second->paused;
    next.push_back(supervised_camera{camera_config, nullptr, nullptr, nullptr, false, paused});
  }
  // Removed and changed cameras: no session is held, so they simply end.
  // Unlinked first, so that their end is not taken for a crash to restart.
  for (auto& [id, camera] : old) {
    if (!camera->actor)
      continue;
    self->unlink_from(camera->actor);
    self->send_exit(camera->actor, caf::exit_reason::user_shutdown);
  }
  st.cameras = std::move(next);
  st.options.subnet = *config;
  for (std::size_t i = 0; i < st.cameras.size(); ++i)
    if (!st.cameras[i].actor) {
      spawn_camera(self, i);
      ++restarted;
    }
  spdlog::info("subnet={} configuration applied: {} cameras, {} started anew, {} ended",
               st.options.subnet.name, st.cameras.size(), restarted, old.size());
}

} // namespace camfleet
