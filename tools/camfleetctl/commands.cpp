#include "tools/camfleetctl/commands.hpp"

#include "tools/camfleetctl/format.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace camfleet::ctl {

namespace json = boost::json;

namespace {

std::string str(const json::value& v) {
  if (v.is_string())
    return std::string{v.get_string()};
  if (v.is_null())
    return "-";
  if (v.is_bool())
    return v.get_bool() ? "yes" : "no";
  return json::serialize(v);
}

std::int64_t num(const json::value& v) {
  if (v.is_int64())
    return v.get_int64();
  if (v.is_uint64())
    return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_double())
    return static_cast<std::int64_t>(v.get_double());
  return 0;
}

const json::value& at(const json::value& v, const char* key) {
  static const json::value null_value;
  if (!v.is_object())
    return null_value;
  auto it = v.get_object().find(key);
  return it == v.get_object().end() ? null_value : it->value();
}

bool flag(const json::value& v) {
  return v.is_bool() && v.get_bool();
}

// What the person should do about each error status.
std::string advice(unsigned status) {
  switch (status) {
  case 401:
    return "pass the daemon's token with --token or CAMFLEET_TOKEN";
  case 404:
    return "list what exists with `camfleetctl cameras` or `camfleetctl subnets`";
  case 409:
    return "wait for the running patrol to end, or resume the target first";
  case 422:
    return "fix the configuration file and run `camfleetctl reload` again";
  case 503:
    return "the daemon is busy or stopping: retry in a moment and check its log";
  default:
    return "";
  }
}

int status_for(unsigned http_status) {
  switch (http_status) {
  case 401:
    return exit_unauthorized;
  case 404:
    return exit_not_found;
  case 409:
    return exit_conflict;
  case 503:
    return exit_unreachable;
  default:
    return http_status >= 400 && http_status < 500 ? exit_bad_request : exit_failed;
  }
}

int report_unreachable(const ctl_context& ctl, const http_result& result) {
  std::fprintf(stderr,
               "camfleetctl: cannot reach camfleetd at %s (%s).\n"
               "  Is it running with an \"admin\" section? Point --url or CAMFLEET_URL at its "
               "admin.listen address.\n",
               ctl.url.c_str(), result.error.c_str());
  return exit_unreachable;
}

int report_error(const http_result& result) {
  boost::system::error_code ec;
  auto body = json::parse(result.body, ec);
  std::string message = ec ? result.body.substr(0, 200) : str(at(at(body, "error"), "message"));
  std::fprintf(stderr, "camfleetctl: %s (HTTP %u)\n", message.c_str(), result.status);
  const auto& problems = at(at(body, "error"), "problems");
  if (problems.is_array())
    for (const auto& problem : problems.get_array())
      std::fprintf(stderr, "  %s: %s\n", str(at(problem, "path")).c_str(),
                   str(at(problem, "reason")).c_str());
  auto hint = advice(result.status);
  if (!hint.empty())
    std::fprintf(stderr, "  %s\n", hint.c_str());
  return status_for(result.status);
}

std::string camera_state_text(const json::value& camera) {
  auto text = str(at(camera, "state"));
  if (flag(at(camera, "stuck")))
    text += " STUCK";
  if (flag(at(camera, "paused")))
    text += " paused";
  return text;
}

} // namespace

int request_json(const ctl_context& ctl, const std::string& method, const std::string& target,
                 json::value& out) {
  auto result = call(ctl.address, ctl.token, method, target, method == "POST" ? "{}" : "");
  if (!result.reached)
    return report_unreachable(ctl, result);
  if (result.status != 200)
    return report_error(result);
  boost::system::error_code ec;
  out = json::parse(result.body, ec);
  if (ec) {
    std::fprintf(stderr, "camfleetctl: the daemon answered something that is not JSON (%s)\n",
                 ec.message().c_str());
    return exit_failed;
  }
  return exit_ok;
}

void print_json(const json::value& value) {
  std::cout << json::serialize(value) << "\n";
}

int cmd_status(const ctl_context& ctl) {
  json::value fleet;
  if (auto status = request_json(ctl, "GET", "/v1/fleet", fleet))
    return status;
  if (ctl.json) {
    print_json(fleet);
    return exit_ok;
  }
  const auto& states = at(fleet, "cameras_by_state");
  table out{{"WHAT", "COUNT"}};
  out.add({{"cameras", ""}, {str(at(fleet, "cameras")), ""}});
  for (const char* state : {"idle", "connecting", "capturing", "backoff", "down"})
    out.add({{std::string{"  "} + state, state_colour(state)}, {str(at(states, state)), ""}});
  out.add({{"paused cameras", ""}, {str(at(fleet, "paused_cameras")), ""}});
  auto stuck = num(at(fleet, "stuck_cameras"));
  out.add({{"stuck cameras", stuck ? "31" : ""}, {std::to_string(stuck), stuck ? "31" : ""}});
  out.add({{"open sessions", ""}, {str(at(fleet, "open_sessions")), ""}});
  out.add(
      {{"patrols running", ""},
       {str(at(fleet, "patrols_running")) + " of " + str(at(fleet, "subnets")) + " subnets", ""}});
  auto forced = num(at(fleet, "forced_releases"));
  out.add({{"forced releases", forced ? "31" : ""}, {std::to_string(forced), forced ? "31" : ""}});
  std::cout << out.render(ctl.colour);
  return exit_ok;
}

int cmd_cameras(const ctl_context& ctl, const std::string& subnet, const std::string& state,
                bool stuck_only) {
  std::string query;
  auto add = [&query](const std::string& key, const std::string& value) {
    query += (query.empty() ? "?" : "&") + key + "=" + value;
  };
  if (!subnet.empty())
    add("subnet", subnet);
  if (!state.empty())
    add("state", state);
  if (stuck_only)
    add("stuck", "true");
  json::value answer;
  if (auto status = request_json(ctl, "GET", "/v1/cameras" + query, answer))
    return status;
  if (ctl.json) {
    print_json(answer);
    return exit_ok;
  }
  table out{
      {"CAMERA", "SUBNET", "STATE", "FOR", "PHASE", "ATTEMPTS", "FAILS", "SESSION", "LAST ERROR"}};
  for (const auto& camera : at(answer, "cameras").get_array()) {
    auto state_name = str(at(camera, "state"));
    bool stuck = flag(at(camera, "stuck"));
    out.add({{str(at(camera, "id")), ""},
             {str(at(camera, "subnet")), ""},
             {camera_state_text(camera), stuck ? "31" : state_colour(state_name)},
             {format_duration_ms(num(at(camera, "time_in_state_ms"))), ""},
             {str(at(at(camera, "capture"), "phase")), ""},
             {str(at(camera, "attempts")), ""},
             {str(at(camera, "consecutive_failures")), ""},
             {str(at(at(camera, "holds"), "session")), ""},
             {str(at(at(camera, "last_error"), "kind")), ""}});
  }
  if (out.rows() == 0)
    std::cout << "no camera matches\n";
  else
    std::cout << out.render(ctl.colour);
  return exit_ok;
}

int cmd_inspect(const ctl_context& ctl, const std::string& camera_id) {
  json::value camera;
  if (auto status = request_json(ctl, "GET", "/v1/cameras/" + camera_id, camera))
    return status;
  if (ctl.json) {
    print_json(camera);
    return exit_ok;
  }
  const auto& capture = at(camera, "capture");
  const auto& holds = at(camera, "holds");
  bool stuck = flag(at(camera, "stuck"));
  table details{{"FIELD", "VALUE"}};
  auto row = [&details](const std::string& field, const std::string& value,
                        const std::string& colour = "") {
    details.add({{field, ""}, {value, colour}});
  };
  row("camera", str(at(camera, "id")));
  row("subnet", str(at(camera, "subnet")));
  row("model", str(at(camera, "model")));
  row("endpoint", str(at(camera, "endpoint")));
  row("password from", str(at(camera, "password_source")));
  row("actor id", str(at(camera, "actor_id")));
  row("state", camera_state_text(camera), stuck ? "31" : state_colour(str(at(camera, "state"))));
  row("since", str(at(camera, "entered_at")) + " (" +
                   format_duration_ms(num(at(camera, "time_in_state_ms"))) + ")");
  row("capture phase", str(at(capture, "phase")));
  if (!at(capture, "phase").is_null()) {
    row("patrol", str(at(capture, "patrol_id")));
    row("capture elapsed", format_duration_ms(num(at(capture, "elapsed_ms"))) + " of " +
                               format_duration_ms(num(at(capture, "budget_ms"))));
    auto left = num(at(capture, "deadline_left_ms"));
    row("deadline in",
        left < 0 ? "passed " + format_duration_ms(-left) + " ago" : format_duration_ms(left),
        left < 0 ? "31" : "");
  }
  row("attempts", str(at(camera, "attempts")));
  row("successes", str(at(camera, "successes")));
  row("failures", str(at(camera, "failures")));
  row("consecutive failures", str(at(camera, "consecutive_failures")));
  row("backoff until", str(at(camera, "backoff_until")));
  row("last error", str(at(at(camera, "last_error"), "kind")));
  row("last error message", str(at(at(camera, "last_error"), "message")));
  row("last success", str(at(camera, "last_success")));
  row("holds session", str(at(holds, "session")));
  row("worker actor id", str(at(holds, "worker_actor_id")));
  row("forced releases", str(at(camera, "forced_releases")));
  const auto& lease = at(camera, "lease");
  if (lease.is_null()) {
    row("live view", "-");
  } else {
    row("live view",
        str(at(lease, "viewers")) + " viewers since " + str(at(lease, "since")) + ", " +
            str(at(lease, "frames_decoded")) + " pictures decoded, " +
            str(at(lease, "frames_served")) + " served",
        "36");
    for (const auto& holder : at(lease, "holders").get_array())
      row("  lease " + str(at(holder, "lease_id")), str(at(holder, "viewer")) + " since " +
                                                        str(at(holder, "since")) + ", " +
                                                        str(at(holder, "frames")) + " pictures");
  }
  std::cout << details.render(ctl.colour) << "\n";

  table timeline{{"AT", "FROM", "TO", "REASON"}};
  for (const auto& transition : at(camera, "transitions").get_array())
    timeline.add({{str(at(transition, "at")), ""},
                  {str(at(transition, "from")), state_colour(str(at(transition, "from")))},
                  {str(at(transition, "to")), state_colour(str(at(transition, "to")))},
                  {str(at(transition, "reason")), ""}});
  std::cout << "transitions (" << timeline.rows() << ", oldest first)\n"
            << timeline.render(ctl.colour);
  return exit_ok;
}

std::string subnets_table(const json::value& subnets, bool colour) {
  table out{{"SUBNET", "CAMERAS", "SESSIONS", "PATROL", "PROGRESS", "DEADLINE IN", "LAST PATROL",
             "STATUS"}};
  for (const auto& subnet : subnets.get_array()) {
    const auto& patrol = at(subnet, "patrol");
    const auto& last = at(subnet, "last_patrol");
    std::string progress = "-";
    std::string deadline = "-";
    std::string patrol_id = "-";
    if (!patrol.is_null()) {
      patrol_id = str(at(patrol, "id"));
      auto done = num(at(patrol, "done"));
      auto total = num(at(patrol, "cameras"));
      progress =
          progress_bar(static_cast<std::uint64_t>(done), static_cast<std::uint64_t>(total), 10) +
          " " + std::to_string(done) + "/" + std::to_string(total);
      deadline = format_duration_ms(num(at(patrol, "deadline_left_ms")));
    }
    std::string last_text = "-";
    if (!last.is_null())
      last_text = "#" + str(at(last, "id")) + " " + str(at(last, "captured")) + "/" +
                  str(at(last, "cameras")) + " in " +
                  format_duration_ms(num(at(last, "duration_ms")));
    std::string status = "ok";
    std::string status_colour = "32";
    if (flag(at(subnet, "given_up"))) {
      status = "given up";
      status_colour = "31";
    } else if (flag(at(subnet, "paused"))) {
      status = "paused";
      status_colour = "33";
    }
    out.add({{str(at(subnet, "name")), ""},
             {str(at(subnet, "cameras")), ""},
             {str(at(subnet, "open_sessions")), ""},
             {patrol_id, ""},
             {progress, ""},
             {deadline, ""},
             {last_text, ""},
             {status, status_colour}});
  }
  return out.render(colour);
}

int cmd_subnets(const ctl_context& ctl) {
  json::value answer;
  if (auto status = request_json(ctl, "GET", "/v1/subnets", answer))
    return status;
  if (ctl.json) {
    print_json(answer);
    return exit_ok;
  }
  std::cout << subnets_table(at(answer, "subnets"), ctl.colour);
  return exit_ok;
}

int cmd_patrols(const ctl_context& ctl, const std::string& subnet, int limit) {
  json::value answer;
  auto target = "/v1/subnets/" + subnet + "/patrols";
  if (limit > 0)
    target += "?limit=" + std::to_string(limit);
  if (auto status = request_json(ctl, "GET", target, answer))
    return status;
  if (ctl.json) {
    print_json(answer);
    return exit_ok;
  }
  table out{{"PATROL", "ENDED", "DURATION", "CAPTURED", "DEADLINE", "NOT CAPTURED"}};
  for (const auto& patrol : at(answer, "patrols").get_array()) {
    std::string missed;
    for (const auto& camera : at(patrol, "cameras").get_array()) {
      auto outcome = str(at(camera, "outcome"));
      if (outcome == "captured")
        continue;
      auto why = at(camera, "failure").is_null() ? outcome : str(at(camera, "failure"));
      missed += (missed.empty() ? "" : ", ") + str(at(camera, "camera")) + " (" + why + ")";
    }
    auto captured = num(at(patrol, "captured"));
    auto total = static_cast<std::int64_t>(at(patrol, "cameras").get_array().size());
    out.add(
        {{str(at(patrol, "patrol_id")), ""},
         {str(at(patrol, "ended_at")), ""},
         {format_duration_ms(num(at(patrol, "duration_ms"))), ""},
         {std::to_string(captured) + "/" + std::to_string(total), captured == total ? "32" : "33"},
         {flag(at(patrol, "deadline_reached")) ? "reached" : "-", ""},
         {missed.empty() ? "-" : missed, ""}});
  }
  if (out.rows() == 0)
    std::cout << "no patrol of " << subnet << " has finished yet\n";
  else
    std::cout << out.render(ctl.colour);
  return exit_ok;
}

int cmd_snapshot(const ctl_context& ctl, const std::string& camera, const std::string& file) {
  auto result = call(ctl.address, ctl.token, "GET", "/v1/cameras/" + camera + "/snapshot");
  if (!result.reached)
    return report_unreachable(ctl, result);
  if (result.status != 200)
    return report_error(result);
  std::ofstream out{file, std::ios::binary | std::ios::trunc};
  out.write(result.body.data(), static_cast<std::streamsize>(result.body.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "camfleetctl: cannot write %s; choose a writable path with -o\n",
                 file.c_str());
    return exit_failed;
  }
  std::printf("wrote %zu bytes of JPEG to %s\n", result.body.size(), file.c_str());
  return exit_ok;
}

} // namespace camfleet::ctl
