#include "config/config_diff.hpp"

#include <map>

namespace camfleet {

bool same_camera(const camera_config& a, const camera_config& b) {
  const auto& x = a.endpoint;
  const auto& y = b.endpoint;
  return a.id == b.id && a.model == b.model && x.host == y.host && x.port == y.port &&
         x.path == y.path && x.fallback_path == y.fallback_path && x.username == y.username &&
         x.password == y.password && a.password_source == b.password_source &&
         a.budget.connect == b.budget.connect && a.budget.capture == b.budget.capture &&
         a.budget.teardown == b.budget.teardown && a.backoff.initial == b.backoff.initial &&
         a.backoff.max == b.backoff.max && a.backoff.multiplier == b.backoff.multiplier;
}

bool same_subnet_settings(const subnet_config& a, const subnet_config& b) {
  return a.name == b.name && a.patrol_interval == b.patrol_interval &&
         a.parallel_captures == b.parallel_captures && a.patrol_deadline == b.patrol_deadline;
}

fleet_diff diff_fleet(const fleet_config& before, const fleet_config& after) {
  fleet_diff diff;
  std::map<std::string, const subnet_config*> old_subnets;
  for (const auto& subnet : before.subnets)
    old_subnets[subnet.name] = &subnet;

  for (const auto& subnet : after.subnets) {
    auto it = old_subnets.find(subnet.name);
    if (it == old_subnets.end()) {
      diff.added_subnets.push_back(subnet.name);
      for (const auto& camera : subnet.cameras)
        diff.added_cameras.push_back(camera.id);
      continue;
    }
    const auto& old = *it->second;
    old_subnets.erase(it);
    bool changed = !same_subnet_settings(old, subnet);

    std::map<std::string, const camera_config*> old_cameras;
    for (const auto& camera : old.cameras)
      old_cameras[camera.id] = &camera;
    for (const auto& camera : subnet.cameras) {
      auto found = old_cameras.find(camera.id);
      if (found == old_cameras.end()) {
        diff.added_cameras.push_back(camera.id);
        changed = true;
        continue;
      }
      if (!same_camera(*found->second, camera)) {
        diff.changed_cameras.push_back(camera.id);
        changed = true;
      }
      old_cameras.erase(found);
    }
    for (const auto& [id, camera] : old_cameras) {
      diff.removed_cameras.push_back(id);
      changed = true;
    }
    if (changed)
      diff.changed_subnets.push_back(subnet.name);
  }
  for (const auto& [name, subnet] : old_subnets) {
    diff.removed_subnets.push_back(name);
    for (const auto& camera : subnet->cameras)
      diff.removed_cameras.push_back(camera.id);
  }

  if (before.snapshot_dir != after.snapshot_dir)
    diff.not_applied.push_back("snapshot_dir");
  if (before.patrol_log != after.patrol_log)
    diff.not_applied.push_back("patrol_log");
  if (before.log.level != after.log.level || before.log.format != after.log.format)
    diff.not_applied.push_back("log");
  if (before.supervisor_restarts.max_restarts != after.supervisor_restarts.max_restarts ||
      before.supervisor_restarts.window != after.supervisor_restarts.window ||
      before.stuck.grace != after.stuck.grace ||
      before.stuck.sweep_interval != after.stuck.sweep_interval)
    diff.not_applied.push_back("supervision");
  bool admin_same = before.admin.has_value() == after.admin.has_value() &&
                    (!before.admin || (before.admin->address == after.admin->address &&
                                       before.admin->port == after.admin->port &&
                                       before.admin->token == after.admin->token));
  if (!admin_same)
    diff.not_applied.push_back("admin");
  return diff;
}

std::vector<config_problem> cameras_moved_between_subnets(const fleet_config& before,
                                                          const fleet_config& after) {
  auto address_of = [](const camera_config& camera) {
    return camera.endpoint.host + " port " + std::to_string(camera.endpoint.port);
  };
  std::map<std::string, const std::string*> subnet_by_id;
  std::map<std::string, const std::string*> subnet_by_address;
  for (const auto& subnet : before.subnets) {
    for (const auto& camera : subnet.cameras) {
      subnet_by_id[camera.id] = &subnet.name;
      subnet_by_address[address_of(camera)] = &subnet.name;
    }
  }

  std::vector<config_problem> problems;
  for (std::size_t i = 0; i < after.subnets.size(); ++i) {
    const auto& subnet = after.subnets[i];
    for (std::size_t j = 0; j < subnet.cameras.size(); ++j) {
      const auto& camera = subnet.cameras[j];
      const std::string* old_subnet = nullptr;
      if (auto it = subnet_by_id.find(camera.id); it != subnet_by_id.end())
        old_subnet = it->second;
      else if (auto at = subnet_by_address.find(address_of(camera)); at != subnet_by_address.end())
        old_subnet = at->second;
      if (old_subnet == nullptr || *old_subnet == subnet.name)
        continue;
      problems.push_back(
          {"subnets[" + std::to_string(i) + "].cameras[" + std::to_string(j) + "]",
           "camera \"" + camera.id + "\" (" + address_of(camera) + ") is in subnet \"" +
               *old_subnet +
               "\" now; a reload cannot move a camera between subnets, since both could hold a "
               "session to it at once: remove it, reload, then add it here and reload again"});
    }
  }
  return problems;
}

} // namespace camfleet
