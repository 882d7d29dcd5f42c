#include "tools/camsim/control_api.hpp"

#include "tools/camsim/behaviour.hpp"
#include "tools/camsim/json_path.hpp"
#include "tools/camsim/simulator.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

namespace camfleet::camsim {

namespace {

control_reply error(unsigned status, std::string message) {
  return {status, boost::json::object{{"error", std::move(message)}}};
}

control_reply set_behaviour(camera& cam, const std::string& body) {
  boost::system::error_code ec;
  auto document = boost::json::parse(body, ec);
  if (ec)
    return error(400, "the body is not JSON: " + ec.message());
  try {
    cam.set_behaviour(parse_behaviour(document, "$"));
  } catch (const json_error& e) {
    auto reply = error(400, e.what());
    reply.body.as_object()["path"] = e.path();
    return reply;
  }
  return {200, cam.to_json()};
}

} // namespace

control_reply handle_control(simulator& sim, const control_request& request) {
  auto target = request.target.substr(0, request.target.find('?'));
  const bool get = request.method == "GET";

  if (target == "/health") {
    if (!get)
      return error(405, "use GET on /health");
    return {200, boost::json::object{{"status", "ok"},
                                     {"cameras", sim.cameras().size()},
                                     {"clips", sim.clip_count()},
                                     {"uptime_ms", sim.uptime().count()}}};
  }

  if (target == "/cameras" || target == "/cameras/") {
    if (!get)
      return error(405, "use GET on /cameras");
    boost::json::array cameras;
    for (const auto& cam : sim.cameras())
      cameras.push_back(cam->to_json());
    return {200, boost::json::object{{"cameras", std::move(cameras)}}};
  }

  // /cameras/{id} and /cameras/{id}/behaviour
  const std::string prefix = "/cameras/";
  if (target.compare(0, prefix.size(), prefix) == 0) {
    auto rest = target.substr(prefix.size());
    auto slash = rest.find('/');
    auto id = rest.substr(0, slash);
    auto* cam = sim.find(id);
    if (cam == nullptr)
      return error(404, "no camera has id '" + id + "'");
    if (slash == std::string::npos) {
      if (!get)
        return error(405, "use GET on /cameras/{id}");
      return {200, cam->to_json()};
    }
    if (rest.substr(slash) == "/behaviour") {
      if (request.method != "POST")
        return error(405, "use POST on /cameras/{id}/behaviour");
      return set_behaviour(*cam, request.body);
    }
  }
  return error(404, "no such resource: " + target);
}

} // namespace camfleet::camsim
