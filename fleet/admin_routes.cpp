#include "fleet/admin_routes.hpp"

#include "config/config_loader.hpp"
#include "fleet/admin_json.hpp"
#include "fleet/admin_request_checks.hpp"
#include "fleet/metrics.hpp"
#include "fleet/snapshot_store.hpp"
#include "fleet/web_login.hpp"
#include "fleet/web_pages.hpp"
#include "messages/admin_messages.hpp"

#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <variant>
#include <vector>

#include <caf/all.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace camfleet {

namespace json = boost::json;

namespace {

// -- answers -------------------------------------------------------------------

admin_answer json_answer(const json::object& body, unsigned status = 200) {
  admin_answer answer;
  answer.status = status;
  answer.body = json::serialize(body);
  return answer;
}

} // namespace

admin_answer answer_for_error(const caf::error& error, std::chrono::milliseconds timeout) {
  if (error == caf::sec::request_timeout)
    return error_answer(503, "unavailable",
                        "the fleet did not answer within " + std::to_string(timeout.count()) +
                            " ms; it may be stopping or overloaded: retry, and check the log");
  auto code = admin_code_of(error);
  auto message = admin_message_of(error);
  switch (code) {
  case admin_errc::not_found:
    return error_answer(404, "not_found", message);
  case admin_errc::conflict:
    return error_answer(409, "conflict", message);
  case admin_errc::invalid_config:
    return error_answer(422, "invalid_config", message);
  case admin_errc::over_limit:
    return error_answer(429, "viewer_limit", message);
  case admin_errc::unavailable:
    break;
  }
  return error_answer(503, "unavailable", message);
}

namespace {

// -- asking the fleet root -----------------------------------------------------

template <class T>
using reply = std::variant<T, admin_answer>;

// One question to the fleet root from a fresh scoped actor, so that a late
// answer to an earlier, timed-out question can never be taken for this one.
// Bounded by context.unanswered: while the root sits on that many timed-out
// questions, none is added to its mailbox.
template <class T, class... Ts>
reply<T> ask(const admin_context& context, Ts&&... xs) {
  auto& unanswered = *context.unanswered;
  if (unanswered.full())
    return error_answer(503, "unavailable",
                        "the fleet has not answered " + std::to_string(unanswered.limit()) +
                            " earlier questions (each waited " +
                            std::to_string(context.timeout.count()) +
                            " ms); none is asked until it does: retry later, and check the log");
  auto self = std::make_unique<caf::scoped_actor>(*context.system);
  std::optional<T> answer;
  caf::error failure;
  (*self)
      ->request(context.root, context.timeout, std::forward<Ts>(xs)...)
      .receive([&](T& value) { answer = std::move(value); },
               [&](caf::error& error) { failure = std::move(error); });
  if (answer)
    return std::move(*answer);
  // Only this request's own timeout: the actors answer their own timeouts
  // as unavailable (actors/admin_relay.hpp).
  if (failure == caf::sec::request_timeout)
    unanswered.keep(std::move(self));
  return answer_for_error(failure, context.timeout);
}

// -- reads ---------------------------------------------------------------------

admin_answer get_fleet(const admin_context& context) {
  auto fleet = ask<fleet_view>(context, inspect_atom::value);
  if (auto error = std::get_if<admin_answer>(&fleet))
    return *error;
  auto body = to_json(summarize(std::get<fleet_view>(fleet)));
  body["forced_releases"] = metrics().forced_releases();
  return json_answer(body);
}

admin_answer get_subnets(const admin_context& context, const std::string& only) {
  auto fleet = ask<fleet_view>(context, inspect_atom::value);
  if (auto error = std::get_if<admin_answer>(&fleet))
    return *error;
  json::array subnets;
  for (const auto& subnet : std::get<fleet_view>(fleet).subnets) {
    if (only.empty())
      subnets.push_back(to_json(subnet));
    else if (subnet.name == only)
      return json_answer(to_json(subnet));
  }
  if (!only.empty())
    return error_answer(404, "not_found", "no subnet \"" + only + "\"");
  json::object body;
  body["subnets"] = std::move(subnets);
  return json_answer(body);
}

admin_answer get_patrols(const admin_context& context, const std::string& subnet,
                         const query_map& params) {
  std::size_t limit = recent_reports_limit;
  if (auto it = params.find("limit"); it != params.end()) {
    const auto& text = it->second;
    if (text.empty() || text.size() > 3 ||
        text.find_first_not_of("0123456789") != std::string::npos || std::stoul(text) < 1 ||
        std::stoul(text) > recent_reports_limit)
      return error_answer(400, "bad_request",
                          "limit must be a number from 1 to " +
                              std::to_string(recent_reports_limit));
    limit = std::stoul(text);
  }
  auto reports = ask<std::vector<patrol_report>>(context, reports_atom::value, subnet);
  if (auto error = std::get_if<admin_answer>(&reports))
    return *error;
  const auto& all = std::get<std::vector<patrol_report>>(reports);
  json::array out;
  // Newest first.
  for (auto it = all.rbegin(); it != all.rend() && out.size() < limit; ++it)
    out.push_back(to_json(*it));
  json::object body;
  body["subnet"] = subnet;
  body["patrols"] = std::move(out);
  return json_answer(body);
}

admin_answer get_cameras(const admin_context& context, const query_map& params) {
  std::string subnet;
  std::string state;
  std::optional<bool> stuck;
  if (auto it = params.find("subnet"); it != params.end()) {
    if (auto bad = check_name("subnet", it->second))
      return *bad;
    subnet = it->second;
  }
  if (auto it = params.find("state"); it != params.end()) {
    static const std::vector<std::string> states{"idle", "connecting", "capturing", "backoff",
                                                 "down"};
    if (std::find(states.begin(), states.end(), it->second) == states.end())
      return error_answer(400, "bad_request",
                          "state must be one of idle, connecting, capturing, backoff, down");
    state = it->second;
  }
  if (auto it = params.find("stuck"); it != params.end()) {
    if (it->second != "true" && it->second != "false")
      return error_answer(400, "bad_request", "stuck must be true or false");
    stuck = it->second == "true";
  }

  auto fleet = ask<fleet_view>(context, inspect_atom::value);
  if (auto error = std::get_if<admin_answer>(&fleet))
    return *error;
  json::array cameras;
  bool subnet_found = subnet.empty();
  for (const auto& view : std::get<fleet_view>(fleet).subnets) {
    if (!subnet.empty() && view.name != subnet)
      continue;
    subnet_found = true;
    for (const auto& camera : view.cameras) {
      if ((!state.empty() && camera.state != state) || (stuck && camera.stuck != *stuck))
        continue;
      cameras.push_back(to_json(camera, false));
    }
  }
  if (!subnet_found)
    return error_answer(404, "not_found", "no subnet \"" + subnet + "\"");
  json::object body;
  body["cameras"] = std::move(cameras);
  return json_answer(body);
}

admin_answer get_camera(const admin_context& context, const std::string& id) {
  auto camera = ask<camera_view>(context, inspect_atom::value, id);
  if (auto error = std::get_if<admin_answer>(&camera))
    return *error;
  return json_answer(to_json(std::get<camera_view>(camera), true));
}

admin_answer get_snapshot(const admin_context& context, const std::string& id) {
  auto camera = ask<camera_view>(context, inspect_atom::value, id);
  if (auto error = std::get_if<admin_answer>(&camera))
    return *error;
  const auto& view = std::get<camera_view>(camera);
  auto path = snapshot_path(context.snapshot_dir, view.subnet, view.id);
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return error_answer(404, "not_found",
                        "camera " + id + " has no snapshot yet; its last success: " +
                            (view.last_success_at_ms == 0 ? "never" : "see inspect"));
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0));
  if (size > max_snapshot_bytes)
    return error_answer(500, "internal",
                        "the snapshot of camera " + id + " is larger than " +
                            std::to_string(max_snapshot_bytes) + " bytes");
  in.seekg(0);
  admin_answer answer;
  answer.content_type = "image/jpeg";
  answer.body.resize(size);
  in.read(answer.body.data(), static_cast<std::streamsize>(size));
  answer.body.resize(static_cast<std::size_t>(in.gcount()));
  return answer;
}

void gauge(std::string& out, const char* name, const char* help, std::size_t value) {
  out += std::string{"# HELP "} + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " " +
         std::to_string(value) + "\n";
}

admin_answer get_metrics(const admin_context& context) {
  auto fleet = ask<fleet_view>(context, inspect_atom::value);
  if (auto error = std::get_if<admin_answer>(&fleet))
    return *error;
  auto summary = summarize(std::get<fleet_view>(fleet));
  std::string out;
  out += "# HELP camfleet_cameras Cameras by state of their actor.\n"
         "# TYPE camfleet_cameras gauge\n";
  std::pair<const char*, std::size_t> states[] = {{"idle", summary.idle},
                                                  {"connecting", summary.connecting},
                                                  {"capturing", summary.capturing},
                                                  {"backoff", summary.backoff},
                                                  {"down", summary.down}};
  for (const auto& [state, n] : states)
    out += std::string{"camfleet_cameras{state=\""} + state + "\"} " + std::to_string(n) + "\n";
  gauge(out, "camfleet_open_sessions",
        "RTSP sessions held now (capture workers alive); 0 between patrols.",
        summary.open_sessions);
  gauge(out, "camfleet_cameras_stuck", "Cameras in a capture past their budget plus the grace.",
        summary.stuck);
  gauge(out, "camfleet_cameras_paused", "Cameras paused by an operator.", summary.paused);
  gauge(out, "camfleet_patrols_running", "Subnets in the middle of a patrol.",
        summary.patrols_running);
  out += metrics().render();
  admin_answer answer;
  answer.content_type = "text/plain; version=0.0.4; charset=utf-8";
  answer.body = std::move(out);
  return answer;
}

// -- acts ----------------------------------------------------------------------

admin_answer act(const admin_context& context, const admin_request& request, act_kind kind,
                 const std::string& camera, const std::string& subnet) {
  if (auto bad = check_empty_body(request.body))
    return *bad;
  auto result = camera.empty() ? ask<act_result>(context, subnet_act{subnet, kind})
                               : ask<act_result>(context, camera_act{camera, kind});
  if (auto error = std::get_if<admin_answer>(&result))
    return *error;
  return json_answer(to_json(std::get<act_result>(result)));
}

admin_answer post_reload(const admin_context& context, const admin_request& request) {
  if (auto bad = check_empty_body(request.body))
    return *bad;
  auto result = ask<reload_result>(context, reload_atom::value);
  if (auto error = std::get_if<admin_answer>(&result))
    return *error;
  const auto& reload = std::get<reload_result>(result);
  if (reload.applied)
    return json_answer(to_json(reload));
  json::array problems;
  for (std::size_t i = 0; i < reload.problem_paths.size(); ++i) {
    json::object problem;
    problem["path"] = reload.problem_paths[i];
    problem["reason"] = reload.problem_reasons[i];
    problems.push_back(std::move(problem));
  }
  json::object error;
  error["code"] = "invalid_config";
  error["message"] = std::to_string(problems.size()) +
                     " problems in the configuration file; nothing was changed. Fix them and "
                     "reload again";
  error["problems"] = std::move(problems);
  json::object body;
  body["error"] = std::move(error);
  return json_answer(body, 422);
}

// -- routing -------------------------------------------------------------------

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos)
      end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

admin_answer method_not_allowed(const std::string& allow) {
  auto answer = error_answer(405, "method_not_allowed", "this path takes " + allow + " only");
  answer.allow = allow;
  return answer;
}

std::optional<act_kind> camera_act_named(const std::string& name) {
  if (name == "kick")
    return act_kind::kick;
  if (name == "reset")
    return act_kind::reset_backoff;
  if (name == "pause")
    return act_kind::pause;
  if (name == "resume")
    return act_kind::resume;
  return std::nullopt;
}

std::optional<act_kind> subnet_act_named(const std::string& name) {
  if (name == "pause")
    return act_kind::pause;
  if (name == "resume")
    return act_kind::resume;
  if (name == "patrol")
    return act_kind::patrol_now;
  return std::nullopt;
}

admin_answer no_route(const std::string& path) {
  return error_answer(404, "no_route",
                      "no such path: " + path.substr(0, 200) +
                          "; see docs/console.md for the endpoints (GET /v1/fleet to start)");
}

admin_answer route(const admin_context& context, const admin_request& request,
                   const std::string& path, const std::string& query) {
  auto segments = split_path(path);
  const auto& method = request.method;
  bool get = method == "GET";
  bool post = method == "POST";
  auto params_for = [&](const std::vector<std::string>& allowed) {
    return parse_query(query, allowed);
  };
  // Paths that take no query reject one, so that a typo is not ignored.
  auto no_query = [&]() -> std::optional<admin_answer> {
    auto parsed = params_for({});
    if (auto bad = std::get_if<admin_answer>(&parsed))
      return *bad;
    return std::nullopt;
  };

  if (path == "/metrics") {
    if (!get)
      return method_not_allowed("GET");
    if (auto bad = no_query())
      return *bad;
    return get_metrics(context);
  }
  if (segments.size() < 2 || segments[0] != "v1")
    return no_route(path);
  const auto& collection = segments[1];

  if (collection == "fleet" && segments.size() == 2) {
    if (!get)
      return method_not_allowed("GET");
    if (auto bad = no_query())
      return *bad;
    return get_fleet(context);
  }
  if (collection == "reload" && segments.size() == 2) {
    if (!post)
      return method_not_allowed("POST");
    if (auto bad = no_query())
      return *bad;
    return post_reload(context, request);
  }
  if (collection == "cameras") {
    if (segments.size() == 2) {
      if (!get)
        return method_not_allowed("GET");
      auto parsed = params_for({"subnet", "state", "stuck"});
      if (auto bad = std::get_if<admin_answer>(&parsed))
        return *bad;
      return get_cameras(context, std::get<query_map>(parsed));
    }
    const auto& id = segments[2];
    if (auto bad = check_name("camera", id))
      return *bad;
    if (auto bad = no_query())
      return *bad;
    if (segments.size() == 3) {
      if (!get)
        return method_not_allowed("GET");
      return get_camera(context, id);
    }
    if (segments.size() == 4 && segments[3] == "snapshot") {
      if (post) {
        // Taken now, by the server without blocking (see admin_answer).
        admin_answer deferred;
        deferred.fresh_snapshot_camera = id;
        return deferred;
      }
      if (!get)
        return method_not_allowed("GET, POST");
      return get_snapshot(context, id);
    }
    if (segments.size() == 4 && segments[3] == "live") {
      if (!get)
        return method_not_allowed("GET");
      admin_answer stream;
      stream.live_camera = id;
      return stream;
    }
    if (segments.size() == 4)
      if (auto kind = camera_act_named(segments[3])) {
        if (!post)
          return method_not_allowed("POST");
        return act(context, request, *kind, id, "");
      }
    return no_route(path);
  }
  if (collection == "subnets") {
    if (segments.size() == 2) {
      if (!get)
        return method_not_allowed("GET");
      if (auto bad = no_query())
        return *bad;
      return get_subnets(context, "");
    }
    const auto& name = segments[2];
    if (auto bad = check_name("subnet", name))
      return *bad;
    if (segments.size() == 3) {
      if (!get)
        return method_not_allowed("GET");
      if (auto bad = no_query())
        return *bad;
      return get_subnets(context, name);
    }
    if (segments.size() == 4 && segments[3] == "patrols") {
      if (!get)
        return method_not_allowed("GET");
      auto parsed = params_for({"limit"});
      if (auto bad = std::get_if<admin_answer>(&parsed))
        return *bad;
      return get_patrols(context, name, std::get<query_map>(parsed));
    }
    if (segments.size() == 4)
      if (auto kind = subnet_act_named(segments[3])) {
        if (!post)
          return method_not_allowed("POST");
        if (auto bad = no_query())
          return *bad;
        return act(context, request, *kind, "", name);
      }
  }
  return no_route(path);
}

} // namespace

admin_answer error_answer(unsigned status, const std::string& code, const std::string& message) {
  admin_answer answer;
  answer.status = status;
  answer.body = error_body(code, message);
  return answer;
}

admin_answer handle_admin_request(const admin_context& context, const admin_request& request) {
  const auto& target = request.target;
  if (target.size() > max_target_length)
    return error_answer(414, "uri_too_long",
                        "the request target is longer than " + std::to_string(max_target_length) +
                            " bytes");
  if (target.empty() || target.front() != '/')
    return error_answer(400, "bad_request", "the request target must be a path starting with /");
  auto question = target.find('?');
  auto path = target.substr(0, question);
  auto query = question == std::string::npos ? "" : target.substr(question + 1);
  try {
    // The pages hold no fleet data: served before the token check, so that a
    // browser without a session can show the login form.
    if (auto page = serve_web_page(request, path))
      return *page;
    if (auto refused = check_access(context, request))
      return *refused;
    if (auto login = web_login_route(context, request, path))
      return *login;
    return route(context, request, path, query);
  } catch (const std::exception& error) {
    // Nothing above throws by design; if something does, the client still
    // gets JSON and the server thread lives on.
    return error_answer(500, "internal", std::string{"internal error: "} + error.what());
  }
}

} // namespace camfleet
