#include "fleet/admin_json.hpp"

#include "fleet/iso_time.hpp"

#include <chrono>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace camfleet {

namespace json = boost::json;

namespace {

json::array strings(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& value : values)
    out.emplace_back(value);
  return out;
}

json::value string_or_null(const std::string& value) {
  if (value.empty())
    return nullptr;
  return json::value(value);
}

} // namespace

json::value iso_time_or_null(std::int64_t epoch_ms) {
  if (epoch_ms == 0)
    return nullptr;
  return json::value(format_iso8601(std::chrono::system_clock::time_point{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::milliseconds{epoch_ms})}));
}

fleet_summary summarize(const fleet_view& fleet) {
  fleet_summary summary;
  summary.subnets = fleet.subnets.size();
  for (const auto& subnet : fleet.subnets) {
    if (subnet.patrol_id != 0)
      ++summary.patrols_running;
    for (const auto& camera : subnet.cameras) {
      ++summary.cameras;
      if (camera.state == "idle")
        ++summary.idle;
      else if (camera.state == "connecting")
        ++summary.connecting;
      else if (camera.state == "capturing")
        ++summary.capturing;
      else if (camera.state == "backoff")
        ++summary.backoff;
      else
        ++summary.down;
      summary.paused += camera.paused ? 1 : 0;
      summary.stuck += camera.stuck ? 1 : 0;
      summary.open_sessions += camera.session_open ? 1 : 0;
    }
  }
  return summary;
}

json::object to_json(const fleet_summary& summary) {
  json::object states;
  states["idle"] = summary.idle;
  states["connecting"] = summary.connecting;
  states["capturing"] = summary.capturing;
  states["backoff"] = summary.backoff;
  states["down"] = summary.down;
  json::object out;
  out["cameras"] = summary.cameras;
  out["cameras_by_state"] = std::move(states);
  out["paused_cameras"] = summary.paused;
  out["stuck_cameras"] = summary.stuck;
  out["open_sessions"] = summary.open_sessions;
  out["subnets"] = summary.subnets;
  out["patrols_running"] = summary.patrols_running;
  return out;
}

json::object to_json(const camera_view& camera, bool full) {
  json::object out;
  out["id"] = camera.id;
  out["subnet"] = camera.subnet;
  out["model"] = camera.model;
  out["endpoint"] = camera.endpoint;
  out["password_source"] = camera.password_source;
  out["actor_id"] = camera.actor_id;
  out["state"] = camera.state;
  out["entered_at"] = iso_time_or_null(camera.entered_at_ms);
  out["time_in_state_ms"] = camera.time_in_state_ms;
  out["paused"] = camera.paused;
  out["stuck"] = camera.stuck;

  json::object capture;
  capture["phase"] = string_or_null(camera.phase);
  if (!camera.phase.empty()) {
    capture["patrol_id"] = camera.patrol_id;
    capture["elapsed_ms"] = camera.capture_elapsed_ms;
    capture["budget_ms"] = camera.capture_budget_ms;
    capture["teardown_budget_ms"] = camera.teardown_budget_ms;
    capture["deadline_left_ms"] = camera.deadline_left_ms;
  }
  out["capture"] = std::move(capture);

  out["attempts"] = camera.attempts;
  out["successes"] = camera.successes;
  out["failures"] = camera.failures;
  out["consecutive_failures"] = camera.consecutive_failures;
  out["backoff_until"] = iso_time_or_null(camera.backoff_until_at_ms);
  out["backoff_left_ms"] = camera.backoff_left_ms;
  json::object last_error;
  last_error["kind"] = string_or_null(camera.last_error_kind);
  last_error["message"] = string_or_null(camera.last_error_message);
  out["last_error"] = std::move(last_error);
  out["last_success"] = iso_time_or_null(camera.last_success_at_ms);

  json::object holds;
  holds["session"] = camera.session_open;
  holds["worker_actor_id"] =
      camera.worker_id == 0 ? json::value(nullptr) : json::value(camera.worker_id);
  out["holds"] = std::move(holds);
  out["forced_releases"] = camera.forced_releases;

  // The live session viewers hold, if any: who, since when, pictures served.
  if (camera.live) {
    json::object lease;
    lease["viewers"] = camera.leases.size();
    lease["since"] = iso_time_or_null(camera.live_since_at_ms);
    lease["frames_decoded"] = camera.live_frames;
    std::uint64_t served = 0;
    json::array holders;
    for (const auto& holder : camera.leases) {
      json::object entry;
      entry["lease_id"] = holder.lease_id;
      entry["viewer"] = holder.viewer;
      entry["since"] = iso_time_or_null(holder.since_at_ms);
      entry["frames"] = holder.frames_served;
      served += holder.frames_served;
      holders.push_back(std::move(entry));
    }
    lease["frames_served"] = served;
    lease["holders"] = std::move(holders);
    out["lease"] = std::move(lease);
  } else {
    out["lease"] = nullptr;
  }

  if (full) {
    json::array transitions;
    for (const auto& transition : camera.transitions) {
      json::object entry;
      entry["at"] = iso_time_or_null(transition.at_ms);
      entry["at_ms"] = transition.at_ms;
      entry["from"] = transition.from;
      entry["to"] = transition.to;
      entry["reason"] = transition.reason;
      transitions.push_back(std::move(entry));
    }
    out["transitions"] = std::move(transitions);
  }
  return out;
}

json::object to_json(const subnet_view& subnet) {
  json::object out;
  out["name"] = subnet.name;
  out["paused"] = subnet.paused;
  out["given_up"] = subnet.given_up;
  out["cameras"] = subnet.cameras.size();
  std::size_t sessions = 0;
  for (const auto& camera : subnet.cameras)
    sessions += camera.session_open ? 1 : 0;
  out["open_sessions"] = sessions;
  out["patrol_interval_ms"] = subnet.patrol_interval_ms;
  out["patrols_finished"] = subnet.patrols_finished;
  out["supervisor_restarts"] = subnet.supervisor_restarts;
  out["camera_restarts"] = subnet.camera_restarts;

  if (subnet.patrol_id == 0) {
    out["patrol"] = nullptr;
  } else {
    json::object patrol;
    patrol["id"] = subnet.patrol_id;
    patrol["started_at"] = iso_time_or_null(subnet.patrol_started_at_ms);
    patrol["deadline"] = iso_time_or_null(subnet.patrol_deadline_at_ms);
    patrol["deadline_left_ms"] = subnet.patrol_deadline_left_ms;
    patrol["cameras"] = subnet.patrol_total;
    patrol["done"] = subnet.patrol_done;
    patrol["in_flight"] = subnet.patrol_in_flight;
    patrol["queued"] = subnet.patrol_queued;
    out["patrol"] = std::move(patrol);
  }

  if (subnet.last_patrol_id == 0) {
    out["last_patrol"] = nullptr;
  } else {
    json::object last;
    last["id"] = subnet.last_patrol_id;
    last["captured"] = subnet.last_patrol_captured;
    last["cameras"] = subnet.last_patrol_total;
    last["duration_ms"] = subnet.last_patrol_duration_ms;
    last["ended_at"] = iso_time_or_null(subnet.last_patrol_ended_at_ms);
    out["last_patrol"] = std::move(last);
  }
  return out;
}

json::object to_json(const patrol_report& report) {
  json::object out;
  out["subnet"] = report.subnet;
  out["patrol_id"] = report.patrol_id;
  out["started_at"] = iso_time_or_null(report.started_at_ms);
  out["ended_at"] = iso_time_or_null(report.ended_at_ms);
  out["duration_ms"] = report.duration_ms;
  out["deadline_reached"] = report.deadline_reached;
  out["captured"] = report.count(patrol_outcome::captured);
  json::array cameras;
  for (const auto& camera : report.cameras) {
    json::object entry;
    entry["camera"] = camera.camera_id;
    entry["outcome"] = to_string(camera.outcome);
    entry["failure"] = string_or_null(camera.failure);
    entry["detail"] = string_or_null(camera.detail);
    entry["duration_ms"] = camera.duration_ms;
    cameras.push_back(std::move(entry));
  }
  out["cameras"] = std::move(cameras);
  return out;
}

json::object to_json(const act_result& result) {
  json::object out;
  out["changed"] = result.changed;
  out["message"] = result.message;
  if (result.patrol_id != 0)
    out["patrol_id"] = result.patrol_id;
  return out;
}

json::object to_json(const reload_result& result) {
  json::object out;
  out["applied"] = result.applied;
  out["added_cameras"] = strings(result.added_cameras);
  out["removed_cameras"] = strings(result.removed_cameras);
  out["changed_cameras"] = strings(result.changed_cameras);
  out["added_subnets"] = strings(result.added_subnets);
  out["removed_subnets"] = strings(result.removed_subnets);
  out["not_applied"] = strings(result.not_applied);
  return out;
}

std::string error_body(const std::string& code, const std::string& message) {
  json::object error;
  error["code"] = code;
  error["message"] = valid_utf8(message);
  json::object out;
  out["error"] = std::move(error);
  return json::serialize(out);
}

std::string valid_utf8(std::string_view text) {
  static constexpr std::string_view replacement = "\xEF\xBF\xBD";
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    auto lead = byte(i);
    // Length of the sequence `lead` starts and the range of its second byte
    // (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead < 0x80) {
      length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      low = lead == 0xE0 ? 0xA0 : 0x80;
      high = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      low = lead == 0xF0 ? 0x90 : 0x80;
      high = lead == 0xF4 ? 0x8F : 0xBF;
    }
    bool well_formed = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; well_formed && k < length; ++k) {
      auto next = byte(i + k);
      well_formed = k == 1 ? next >= low && next <= high : next >= 0x80 && next <= 0xBF;
    }
    if (well_formed) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out.append(replacement);
      ++i;
    }
  }
  return out;
}

} // namespace camfleet
