// What a configuration reload changes: which cameras and subnets appear,
// disappear or differ, so that camfleetd restarts exactly those and leaves
// every other camera actor, with its history and backoff, alone.

#pragma once

#include "config/config_loader.hpp"
#include "config/fleet_config.hpp"

#include <string>
#include <vector>

namespace camfleet {

/// Every field, the password included (a new password needs a new session).
bool same_camera(const camera_config& a, const camera_config& b);

/// The subnet's own settings, its cameras not included.
bool same_subnet_settings(const subnet_config& a, const subnet_config& b);

struct fleet_diff {
  std::vector<std::string> added_subnets;
  std::vector<std::string> removed_subnets;
  /// Subnets present in both whose settings or cameras differ.
  std::vector<std::string> changed_subnets;
  std::vector<std::string> added_cameras;
  std::vector<std::string> removed_cameras;
  std::vector<std::string> changed_cameras;
  /// Fleet-wide settings that differ and take effect only after a restart.
  std::vector<std::string> not_applied;
};

/// Cameras count by id within their subnet: a camera that moves from one
/// subnet to another is removed from one and added to the other.
fleet_diff diff_fleet(const fleet_config& before, const fleet_config& after);

/// Cameras of `after` that were in another subnet of `before`, found by id or
/// by address and port, each as a problem at its path in `after`. A reload
/// refuses them: each subnet applies its part at its own moment, so the new
/// subnet could open a session while the old one still holds its own.
std::vector<config_problem> cameras_moved_between_subnets(const fleet_config& before,
                                                          const fleet_config& after);

} // namespace camfleet
