#include "actors/fleet_root.hpp"

#include "actors/fleet_admin.hpp"
#include "actors/subnet_supervisor.hpp"
#include "fleet/metrics.hpp"
#include "messages/fleet_messages.hpp"
#include "messages/live_messages.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace camfleet {

void spawn_supervisor(fleet_root_type* self, std::size_t index) {
  auto& st = self->state;
  auto& subnet = st.subnets[index];
  subnet_supervisor_options options;
  options.subnet = subnet.config;
  options.snapshot_dir = st.options.config.snapshot_dir;
  options.patrol_log = st.options.patrol_log;
  options.root = caf::actor_cast<caf::actor>(self);
  options.first_patrol_id = subnet.last_patrol_id + 1;
  options.max_patrols =
      st.options.max_patrols == 0
          ? 0
          : st.options.max_patrols - std::min(st.options.max_patrols, subnet.patrols_reported);
  options.camera_restarts = st.options.config.supervisor_restarts;
  options.stuck = st.options.config.stuck;
  subnet.supervisor = self->spawn<caf::linked>(subnet_supervisor, std::move(options));
}

namespace {

bool any_supervisor_alive(const fleet_root_state& st) {
  return std::any_of(st.subnets.begin(), st.subnets.end(),
                     [](const supervised_subnet& s) { return bool{s.supervisor}; });
}

void begin_shutdown(fleet_root_type* self, caf::error reason) {
  auto& st = self->state;
  if (st.stopping)
    return;
  st.stopping = reason;
  spdlog::info("stopping the fleet: cancelling patrols and tearing down every session");
  // A message, not an exit: an actor that receives an exit message from a
  // linked actor drops the link, and the root would then never learn that
  // the supervisor ended.
  for (auto& subnet : st.subnets)
    if (subnet.supervisor)
      self->send(subnet.supervisor, shutdown_atom::value);
  if (!any_supervisor_alive(st))
    self->quit(reason);
}

// In one-patrol mode: tell the listener once every subnet is done or lost.
void check_all_done(fleet_root_type* self) {
  auto& st = self->state;
  if (st.options.max_patrols == 0 || st.reported_done || !st.options.listener)
    return;
  bool all_captured = true;
  for (const auto& subnet : st.subnets) {
    if (!subnet.given_up && subnet.patrols_reported < st.options.max_patrols)
      return;
    all_captured = all_captured && !subnet.given_up && subnet.all_captured;
  }
  st.reported_done = true;
  self->send(st.options.listener, fleet_done_atom::value, all_captured);
}

bool restart_allowed(const restart_limit& limit, supervised_subnet& subnet) {
  auto now = std::chrono::steady_clock::now();
  while (!subnet.recent_restarts.empty() && now - subnet.recent_restarts.front() > limit.window)
    subnet.recent_restarts.pop_front();
  subnet.recent_restarts.push_back(now);
  return subnet.recent_restarts.size() <= limit.max_restarts;
}

void on_supervisor_exit(fleet_root_type* self, std::size_t index, const caf::error& reason) {
  auto& st = self->state;
  auto& subnet = st.subnets[index];
  subnet.supervisor = nullptr;
  if (subnet.retiring) {
    spdlog::info("subnet={} removed by a reload: its supervisor ended", subnet.config.name);
    st.subnets.erase(st.subnets.begin() + static_cast<std::ptrdiff_t>(index));
    if (st.stopping && !any_supervisor_alive(st))
      self->quit(*st.stopping);
    return;
  }
  if (st.stopping) {
    if (!any_supervisor_alive(st))
      self->quit(*st.stopping);
    return;
  }
  if (reason == caf::exit_reason::normal)
    return;
  const auto& limit = st.options.config.supervisor_restarts;
  if (!restart_allowed(limit, subnet)) {
    subnet.given_up = true;
    spdlog::error("subnet={} supervisor ended ({}) more than {} times within {} ms; giving up "
                  "on this subnet: its cameras are no longer patrolled until camfleetd restarts",
                  subnet.config.name, self->system().render(reason), limit.max_restarts,
                  limit.window.count());
    check_all_done(self);
    if (!any_supervisor_alive(st))
      self->quit(reason);
    return;
  }
  spdlog::warn("subnet={} supervisor ended ({}); restarting it", subnet.config.name,
               self->system().render(reason));
  ++subnet.restarts;
  metrics().supervisor_restarted(subnet.config.name);
  spawn_supervisor(self, index);
}

void start_fleet(fleet_root_type* self, fleet_root_options options) {
  auto& st = self->state;
  st.options = std::move(options);
  for (const auto& subnet : st.options.config.subnets)
    st.subnets.push_back(supervised_subnet{subnet, nullptr, 0, 0, true, false, {}, 0, {}, false});
  for (std::size_t i = 0; i < st.subnets.size(); ++i)
    spawn_supervisor(self, i);
  spdlog::info("patrolling {} cameras on {} subnets", st.options.config.camera_count(),
               st.subnets.size());
}

} // namespace

caf::behavior fleet_root(fleet_root_type* self, fleet_root_options options) {
  start_fleet(self, std::move(options));

  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    for (std::size_t i = 0; i < st.subnets.size(); ++i) {
      if (st.subnets[i].supervisor && st.subnets[i].supervisor.address() == msg.source) {
        on_supervisor_exit(self, i, msg.reason);
        return;
      }
    }
    if (msg.reason != caf::exit_reason::normal)
      begin_shutdown(self, msg.reason);
  });

  return {
      [self](const patrol_report& report) {
        auto& st = self->state;
        for (auto& subnet : st.subnets) {
          if (subnet.config.name != report.subnet)
            continue;
          subnet.last_patrol_id = std::max(subnet.last_patrol_id, report.patrol_id);
          ++subnet.patrols_reported;
          subnet.all_captured = subnet.all_captured &&
                                report.count(patrol_outcome::captured) == report.cameras.size();
          subnet.recent_reports.push_back(report);
          if (subnet.recent_reports.size() > recent_reports_limit)
            subnet.recent_reports.pop_front();
        }
        check_all_done(self);
      },
      [self](inspect_atom) { return inspect_fleet(self); },
      [self](inspect_atom, const std::string& camera_id) {
        return relay_to_camera_subnet<camera_view>(self, camera_id, inspect_atom::value, camera_id);
      },
      [self](const lease_request& request) {
        return relay_to_camera_subnet_within<lease_grant>(self, lease_relay_timeout,
                                                          request.camera_id, request);
      },
      [self](snapshot_atom, const std::string& camera_id) {
        return relay_to_camera_subnet_within<fresh_snapshot>(self, lease_relay_timeout, camera_id,
                                                             snapshot_atom::value, camera_id);
      },
      [self](const camera_act& act) {
        return relay_to_camera_subnet<act_result>(self, act.camera_id, act);
      },
      [self](const subnet_act& act) { return relay_to_subnet(self, act); },
      [self](reports_atom, const std::string& subnet) { return recent_reports(self, subnet); },
      [self](reload_atom) { return reload(self); },
  };
}

} // namespace camfleet
