// Fuzz target: the admin API's request handling (fleet/admin_routes.cpp and
// fleet/admin_request_checks.cpp), from method, target, Authorization header
// and body to an answer. The fleet behind it is a stand-in actor that answers
// the fleet root's questions from a fixed two-subnet fleet, so the real
// routing, validation, JSON and metrics code runs without cameras.
//
// Input: "METHOD\nTARGET\nAUTHORIZATION\nBODY..."; missing lines are empty.

#include "fleet/admin_routes.hpp"
#include "fleet/snapshot_store.hpp"
#include "messages/admin_messages.hpp"
#include "messages/fleet_messages.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <caf/all.hpp>

#include <boost/json/parse.hpp>

#include <unistd.h>

using namespace camfleet;

namespace {

constexpr const char* fuzz_token = "fuzz-token";

camera_view make_camera(const std::string& subnet, const std::string& id, const char* state) {
  camera_view camera;
  camera.id = id;
  camera.subnet = subnet;
  camera.model = "tapo-c110";
  camera.endpoint = "127.0.0.1:554/stream1";
  camera.state = state;
  camera.stuck = std::string_view{state} == "capturing";
  camera.transitions.push_back({"idle", state, 1, "patrol"});
  return camera;
}

fleet_view make_fleet() {
  fleet_view fleet;
  subnet_view yard;
  yard.name = "yard";
  yard.cameras = {make_camera("yard", "yard-c110", "capturing"),
                  make_camera("yard", "gate-vigi", "backoff")};
  subnet_view dock;
  dock.name = "dock";
  dock.paused = true;
  dock.cameras = {make_camera("dock", "dock-c310", "idle")};
  fleet.subnets = {yard, dock};
  return fleet;
}

const camera_view* find_camera(const fleet_view& fleet, const std::string& id) {
  for (const auto& subnet : fleet.subnets)
    for (const auto& camera : subnet.cameras)
      if (camera.id == id)
        return &camera;
  return nullptr;
}

bool has_subnet(const fleet_view& fleet, const std::string& name) {
  for (const auto& subnet : fleet.subnets)
    if (subnet.name == name)
      return true;
  return false;
}

// Answers what actors/fleet_admin.cpp answers, from a fixed fleet. It takes
// the fleet as an argument: CAF 0.17 spawns a function actor without
// arguments by binding a reference to a null tuple, which UBSan reports.
caf::behavior stand_in_root(caf::event_based_actor*, std::shared_ptr<const fleet_view> fleet) {
  return {
      [fleet](inspect_atom) { return *fleet; },
      [fleet](inspect_atom, const std::string& id) -> caf::result<camera_view> {
        if (auto camera = find_camera(*fleet, id))
          return *camera;
        return make_admin_error(admin_errc::not_found, "no camera \"" + id + "\"");
      },
      [fleet](reports_atom, const std::string& subnet) -> caf::result<std::vector<patrol_report>> {
        if (!has_subnet(*fleet, subnet))
          return make_admin_error(admin_errc::not_found, "no subnet \"" + subnet + "\"");
        std::vector<patrol_report> reports(3);
        for (std::size_t i = 0; i < reports.size(); ++i) {
          reports[i].subnet = subnet;
          reports[i].patrol_id = i + 1;
          reports[i].cameras.resize(1);
          reports[i].cameras[0].camera_id = "yard-c110";
        }
        return reports;
      },
      [fleet](const camera_act& act) -> caf::result<act_result> {
        if (!find_camera(*fleet, act.camera_id))
          return make_admin_error(admin_errc::not_found, "no camera \"" + act.camera_id + "\"");
        if (act.kind == act_kind::kick)
          return make_admin_error(admin_errc::conflict, "no capture to kick");
        return act_result{true, to_string(act.kind), 0};
      },
      [fleet](const subnet_act& act) -> caf::result<act_result> {
        if (!has_subnet(*fleet, act.subnet))
          return make_admin_error(admin_errc::not_found, "no subnet \"" + act.subnet + "\"");
        return act_result{true, to_string(act.kind), 7};
      },
      [](reload_atom) {
        reload_result result;
        result.problem_paths = {"subnets[0].cameras[0].port"};
        result.problem_reasons = {"must be between 1 and 65535, found 70000"};
        return result;
      },
  };
}

// One actor system and stand-in for the whole run, never destroyed: libFuzzer
// ends with exit(), which destroys the main thread's thread-locals before
// static objects, and CAF 0.17's ~actor_system uses them (it crashes in
// ref_counted::deref). The system stays reachable, so LeakSanitizer does not
// count it; its threads are idle when the process exits.
struct fuzz_fleet {
  caf::actor_system_config config;
  std::unique_ptr<caf::actor_system> system;
  admin_context context;

  fuzz_fleet() {
    add_message_types(config);
    add_admin_message_types(config);
    system = std::make_unique<caf::actor_system>(config);
    // One camera has a snapshot, so that GET .../snapshot reads a file.
    static const auto snapshot_dir = std::filesystem::temp_directory_path() /
                                     ("camfleet-admin-fuzz-" + std::to_string(::getpid()));
    std::vector<std::uint8_t> jpeg{0xff, 0xd8, 0xff, 0xd9};
    if (write_file_atomically(snapshot_path(snapshot_dir.string(), "yard", "yard-c110"), jpeg))
      std::abort();
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(snapshot_dir, ignored);
    });
    context.system = system.get();
    context.root = system->spawn(stand_in_root, std::make_shared<const fleet_view>(make_fleet()));
    context.snapshot_dir = snapshot_dir.string();
    context.token = fuzz_token;
    context.timeout = std::chrono::milliseconds{5000};
  }
};

std::string_view take_line(std::string_view& rest) {
  auto end = rest.find('\n');
  auto line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  return line;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto& fleet = *new fuzz_fleet;
  std::string_view rest{reinterpret_cast<const char*>(data), size};
  admin_request request;
  request.method = take_line(rest);
  request.target = take_line(rest);
  request.authorization = take_line(rest);
  request.body = rest;

  auto answer = handle_admin_request(fleet.context, request);

  // Every answer has an HTTP status; every JSON answer is valid JSON, and an
  // error is {"error": {...}}; a 405 says which methods the path takes.
  if (answer.status < 200 || answer.status > 599)
    std::abort();
  if (answer.status == 503)
    std::abort(); // the stand-in always answers: a timeout here is a bug
  if (answer.content_type == "application/json") {
    boost::system::error_code error;
    auto body = boost::json::parse(answer.body, error);
    if (error || !body.is_object())
      std::abort();
    if (answer.status >= 400 && !body.as_object().contains("error"))
      std::abort();
  }
  if (answer.status == 405 && answer.allow.empty())
    std::abort();
  return 0;
}
