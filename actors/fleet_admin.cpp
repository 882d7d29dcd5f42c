#include "actors/fleet_admin.hpp"

#include "config/config_diff.hpp"
#include "config/config_loader.hpp"

#include <memory>
#include <set>

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace camfleet {

namespace {

supervised_subnet* subnet_by_name(fleet_root_state& st, const std::string& name) {
  for (auto& subnet : st.subnets)
    if (!subnet.retiring && subnet.config.name == name)
      return &subnet;
  return nullptr;
}

// What only the root knows about a subnet: its supervisor's restarts and
// the reports of patrols that outlived a supervisor restart.
void add_root_facts(const supervised_subnet& subnet, subnet_view& view) {
  view.given_up = subnet.given_up;
  view.supervisor_restarts = subnet.restarts;
  if (subnet.recent_reports.empty())
    return;
  const auto& last = subnet.recent_reports.back();
  view.last_patrol_id = last.patrol_id;
  view.last_patrol_captured = static_cast<std::uint32_t>(last.count(patrol_outcome::captured));
  view.last_patrol_total = static_cast<std::uint32_t>(last.cameras.size());
  view.last_patrol_duration_ms = last.duration_ms;
  view.last_patrol_ended_at_ms = last.ended_at_ms;
}

// A subnet without a running supervisor: its cameras are listed as down.
subnet_view down_view(const supervised_subnet& subnet) {
  subnet_view view;
  view.name = subnet.config.name;
  view.patrol_interval_ms = subnet.config.patrol_interval.count();
  for (const auto& camera : subnet.config.cameras) {
    camera_view cam;
    cam.id = camera.id;
    cam.subnet = subnet.config.name;
    cam.model = camera.model;
    cam.password_source = camera.password_source;
    cam.state = "down";
    view.cameras.push_back(std::move(cam));
  }
  add_root_facts(subnet, view);
  return view;
}

struct pending_fleet_view {
  fleet_view view;
  std::size_t waiting = 0;
  caf::typed_response_promise<fleet_view> promise;

  void answered() {
    if (--waiting == 0)
      promise.deliver(std::move(view));
  }
};

void apply_reload(fleet_root_type* self, const fleet_config& next, const fleet_diff& diff) {
  auto& st = self->state;
  std::set<std::string> removed{diff.removed_subnets.begin(), diff.removed_subnets.end()};
  std::set<std::string> changed{diff.changed_subnets.begin(), diff.changed_subnets.end()};

  for (auto& subnet : st.subnets) {
    if (subnet.retiring || removed.count(subnet.config.name) == 0)
      continue;
    subnet.retiring = true;
    if (subnet.supervisor)
      self->send(subnet.supervisor, shutdown_atom::value);
  }
  // Subnets already without a supervisor (given up) go at once.
  st.subnets.erase(
      std::remove_if(st.subnets.begin(), st.subnets.end(),
                     [](const supervised_subnet& s) { return s.retiring && !s.supervisor; }),
      st.subnets.end());

  for (const auto& config : next.subnets) {
    auto subnet = subnet_by_name(st, config.name);
    if (subnet == nullptr) {
      st.subnets.push_back(supervised_subnet{config, nullptr, 0, 0, true, false, {}, 0, {}, false});
      spawn_supervisor(self, st.subnets.size() - 1);
      continue;
    }
    if (changed.count(config.name) == 0)
      continue;
    subnet->config = config;
    if (subnet->supervisor) {
      self->send(subnet->supervisor,
                 subnet_reconfigure{std::make_shared<const subnet_config>(config)});
    } else if (subnet->given_up) {
      // A new configuration is a fresh start for a subnet given up on.
      subnet->given_up = false;
      subnet->recent_restarts.clear();
      spawn_supervisor(self, static_cast<std::size_t>(subnet - st.subnets.data()));
    }
  }
  // Only the subnets are applied; the rest needs a restart (diff.not_applied).
  st.options.config.subnets = next.subnets;
}

} // namespace

supervised_subnet* subnet_of_camera(fleet_root_state& st, const std::string& camera_id) {
  for (auto& subnet : st.subnets) {
    if (subnet.retiring)
      continue;
    for (const auto& camera : subnet.config.cameras)
      if (camera.id == camera_id)
        return &subnet;
  }
  return nullptr;
}

caf::result<fleet_view> inspect_fleet(fleet_root_type* self) {
  auto& st = self->state;
  auto pending = std::make_shared<pending_fleet_view>();
  pending->promise = self->make_response_promise<fleet_view>();
  for (const auto& subnet : st.subnets) {
    if (subnet.retiring)
      continue;
    pending->view.subnets.push_back(down_view(subnet));
    if (subnet.supervisor)
      ++pending->waiting;
  }
  if (pending->waiting == 0)
    return std::move(pending->view);

  std::size_t slot = 0;
  for (const auto& subnet : st.subnets) {
    if (subnet.retiring)
      continue;
    auto index = slot++;
    if (!subnet.supervisor)
      continue;
    auto name = subnet.config.name;
    self->request(subnet.supervisor, admin_relay_timeout, inspect_atom::value)
        .then(
            [self, pending, index, name](subnet_view& view) {
              if (auto found = subnet_by_name(self->state, name))
                add_root_facts(*found, view);
              pending->view.subnets[index] = std::move(view);
              pending->answered();
            },
            [pending](caf::error&) { pending->answered(); });
  }
  return pending->promise;
}

caf::result<act_result> relay_to_subnet(fleet_root_type* self, const subnet_act& act) {
  auto subnet = subnet_by_name(self->state, act.subnet);
  if (subnet == nullptr)
    return make_admin_error(admin_errc::not_found, "no subnet \"" + act.subnet + "\"");
  if (!subnet->supervisor)
    return make_admin_error(admin_errc::unavailable,
                            "the supervisor of subnet " + act.subnet + " is not running");
  return relay<act_result>(self, subnet->supervisor, act);
}

caf::result<std::vector<patrol_report>> recent_reports(fleet_root_type* self,
                                                       const std::string& name) {
  auto subnet = subnet_by_name(self->state, name);
  if (subnet == nullptr)
    return make_admin_error(admin_errc::not_found, "no subnet \"" + name + "\"");
  return std::vector<patrol_report>{subnet->recent_reports.begin(), subnet->recent_reports.end()};
}

caf::result<reload_result> reload(fleet_root_type* self) {
  auto& st = self->state;
  if (st.options.config_path.empty())
    return make_admin_error(admin_errc::unavailable,
                            "this fleet was started without a configuration file to reload");
  if (st.stopping)
    return make_admin_error(admin_errc::unavailable, "the fleet is stopping");

  // A small local file: reading it here blocks this actor for well under a
  // millisecond, and keeps the file's credentials out of every message.
  auto loaded = load_fleet_config(st.options.config_path, process_environment());
  reload_result result;
  if (!loaded.config) {
    // Every problem, so that a reload by SIGHUP (whose answer nobody reads)
    // says as much as the admin API's answer.
    for (const auto& problem : loaded.problems) {
      result.problem_paths.push_back(problem.path);
      result.problem_reasons.push_back(problem.reason);
      spdlog::warn("configuration reload: {}: {}", st.options.config_path, to_string(problem));
    }
    spdlog::warn("configuration reload refused: {} problems in {}; nothing changed",
                 loaded.problems.size(), st.options.config_path);
    return result;
  }

  auto moved = cameras_moved_between_subnets(st.options.config, *loaded.config);
  if (!moved.empty()) {
    for (const auto& problem : moved) {
      result.problem_paths.push_back(problem.path);
      result.problem_reasons.push_back(problem.reason);
      spdlog::warn("configuration reload: {}: {}", st.options.config_path, to_string(problem));
    }
    spdlog::warn("configuration reload refused: {} cameras would move between subnets; nothing "
                 "changed",
                 moved.size());
    return result;
  }

  auto diff = diff_fleet(st.options.config, *loaded.config);
  apply_reload(self, *loaded.config, diff);
  result.applied = true;
  result.added_cameras = diff.added_cameras;
  result.removed_cameras = diff.removed_cameras;
  result.changed_cameras = diff.changed_cameras;
  result.added_subnets = diff.added_subnets;
  result.removed_subnets = diff.removed_subnets;
  result.not_applied = diff.not_applied;
  spdlog::info("configuration reloaded: {} cameras added, {} removed, {} changed; {} subnets "
               "added, {} removed{}",
               diff.added_cameras.size(), diff.removed_cameras.size(), diff.changed_cameras.size(),
               diff.added_subnets.size(), diff.removed_subnets.size(),
               diff.not_applied.empty() ? "" : "; some settings need a restart of camfleetd");
  return result;
}

} // namespace camfleet
