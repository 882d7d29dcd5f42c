// camfleetctl: the inspection console for camfleetd's admin interface.
//
// See docs/console.md. Exit statuses: 0 ok, 1 failed, 2 bad request or
// command line, 3 daemon unreachable, 4 not found, 5 unauthorized, 6
// conflict.

#include "tools/camfleetctl/commands.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <utility>

#include <CLI/CLI.hpp>

#include <unistd.h>

namespace {

using namespace camfleet::ctl;

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string{value} : fallback;
}

// Camera ids and subnet names as the configuration allows them; checked here
// so that a slash or a space cannot turn into another path.
bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || !std::isalnum(static_cast<unsigned char>(name[0])))
    return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  return true;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"camfleetctl: inspect and steer a running camfleetd through its admin interface."};
  app.require_subcommand(1);
  // --url, --token and --no-color may come after the subcommand too.
  app.fallthrough();
  app.footer("Exit status: 0 ok, 1 failed, 2 bad request, 3 daemon unreachable, 4 not found, "
             "5 unauthorized, 6 conflict.");

  ctl_context ctl;
  ctl.url = env_or("CAMFLEET_URL", "http://127.0.0.1:8080");
  ctl.token = env_or("CAMFLEET_TOKEN", "");
  bool no_colour = false;
  app.add_option("--url", ctl.url,
                 "the daemon's admin interface (default: $CAMFLEET_URL, else "
                 "http://127.0.0.1:8080)");
  app.add_option("--token", ctl.token, "bearer token (default: $CAMFLEET_TOKEN)");
  app.add_flag("--no-color", no_colour, "no colours, even on a terminal");

  auto json_flag = [&ctl](CLI::App* sub) {
    sub->add_flag("--json", ctl.json, "print the daemon's JSON answer instead of a table");
  };

  auto status = app.add_subcommand("status", "fleet summary: cameras per state, sessions, patrols");
  json_flag(status);

  std::string subnet;
  std::string state;
  bool stuck = false;
  auto cameras = app.add_subcommand("cameras", "list cameras");
  cameras->add_option("--subnet", subnet, "only this subnet's cameras");
  cameras->add_option("--state", state, "only cameras in this state")
      ->check(CLI::IsMember({"idle", "connecting", "capturing", "backoff", "down"}));
  cameras->add_flag("--stuck", stuck, "only stuck cameras");
  json_flag(cameras);

  std::string camera;
  auto inspect = app.add_subcommand("inspect", "one camera in full, with its transitions");
  inspect->add_option("CAMERA", camera, "camera id")->required();
  json_flag(inspect);

  auto subnets = app.add_subcommand("subnets", "subnets with their current patrol");
  json_flag(subnets);

  int limit = 0;
  auto patrols = app.add_subcommand("patrols", "a subnet's recent patrol reports, newest first");
  patrols->add_option("SUBNET", subnet, "subnet name")->required();
  patrols->add_option("--limit", limit, "at most this many (1 to 20)")->check(CLI::Range(1, 20));
  json_flag(patrols);

  std::string target;
  bool on_subnet = false;
  std::map<std::string, CLI::App*> acts;
  for (auto [verb, help] : {std::pair{"kick", "cancel a camera's capture and session now"},
                            std::pair{"reset", "end a camera's backoff now"},
                            std::pair{"pause", "skip a camera (or --subnet) in patrols"},
                            std::pair{"resume", "undo pause"}}) {
    auto sub = app.add_subcommand(verb, help);
    sub->add_option("TARGET", target, "camera id (subnet name with --subnet)")->required();
    if (std::string{verb} == "pause" || std::string{verb} == "resume")
      sub->add_flag("--subnet", on_subnet, "TARGET is a subnet");
    json_flag(sub);
    acts[verb] = sub;
  }
  auto patrol = app.add_subcommand("patrol", "start a subnet's patrol now");
  patrol->add_option("SUBNET", target, "subnet name")->required();
  json_flag(patrol);

  std::string file;
  auto snapshot = app.add_subcommand("snapshot", "save a camera's latest snapshot (JPEG)");
  snapshot->add_option("CAMERA", camera, "camera id")->required();
  snapshot->add_option("-o,--output", file, "where to write it")->required();

  auto reload = app.add_subcommand("reload", "reread the daemon's configuration file");
  json_flag(reload);

  int refreshes = 0;
  auto top = app.add_subcommand("top", "live subnet table, refreshed every second; q quits");
  top->add_option("--count", refreshes, "stop after this many refreshes (0: until q)")
      ->check(CLI::Range(0, 1000000));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? exit_ok : exit_bad_request;
  }

  if (auto why = parse_url(ctl.url, ctl.address); !why.empty()) {
    std::fprintf(stderr, "camfleetctl: --url %s: %s\n", ctl.url.c_str(), why.c_str());
    return exit_bad_request;
  }
  for (const auto* name : {&camera, &subnet, &target})
    if (!name->empty() && !valid_name(*name)) {
      std::fprintf(stderr,
                   "camfleetctl: \"%s\" is not a camera or subnet name: names are 1 to 64 "
                   "letters, digits, '-', '_' or '.'; list them with `camfleetctl cameras`\n",
                   name->c_str());
      return exit_bad_request;
    }
  ctl.colour = !no_colour && isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;

  if (status->parsed())
    return cmd_status(ctl);
  if (cameras->parsed())
    return cmd_cameras(ctl, subnet, state, stuck);
  if (inspect->parsed())
    return cmd_inspect(ctl, camera);
  if (subnets->parsed())
    return cmd_subnets(ctl);
  if (patrols->parsed())
    return cmd_patrols(ctl, subnet, limit);
  for (const auto& [verb, sub] : acts)
    if (sub->parsed())
      return cmd_act(ctl, verb, target, on_subnet);
  if (patrol->parsed())
    return cmd_act(ctl, "patrol", target, true);
  if (snapshot->parsed())
    return cmd_snapshot(ctl, camera, file);
  if (reload->parsed())
    return cmd_reload(ctl);
  if (top->parsed())
    return cmd_top(ctl, refreshes);
  return exit_bad_request;
}
