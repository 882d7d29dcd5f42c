// camfleetctl's acts: kick, reset, pause, resume, patrol, reload.

#include "tools/camfleetctl/commands.hpp"

#include <cstdio>
#include <iostream>

#include <boost/json/value.hpp>

namespace camfleet::ctl {

namespace json = boost::json;

namespace {

void print_list(const json::value& answer, const char* key, const char* label) {
  const auto& object = answer.get_object();
  auto it = object.find(key);
  if (it == object.end() || !it->value().is_array() || it->value().get_array().empty())
    return;
  std::string names;
  for (const auto& name : it->value().get_array())
    names += (names.empty() ? "" : ", ") + std::string{name.get_string()};
  std::printf("  %-16s %s\n", label, names.c_str());
}

} // namespace

int cmd_act(const ctl_context& ctl, const std::string& verb, const std::string& target,
            bool subnet) {
  auto path = std::string{subnet ? "/v1/subnets/" : "/v1/cameras/"} + target + "/" + verb;
  json::value answer;
  if (auto status = request_json(ctl, "POST", path, answer))
    return status;
  if (ctl.json) {
    print_json(answer);
    return exit_ok;
  }
  const auto& object = answer.get_object();
  auto message = object.contains("message") && object.at("message").is_string()
                     ? std::string{object.at("message").get_string()}
                     : std::string{};
  bool changed = object.contains("changed") && object.at("changed").is_bool() &&
                 object.at("changed").get_bool();
  std::printf("%s %s: %s%s\n", subnet ? "subnet" : "camera", target.c_str(), message.c_str(),
              changed ? "" : " (nothing changed)");
  return exit_ok;
}

int cmd_reload(const ctl_context& ctl) {
  json::value answer;
  if (auto status = request_json(ctl, "POST", "/v1/reload", answer))
    return status;
  if (ctl.json) {
    print_json(answer);
    return exit_ok;
  }
  std::printf("configuration reloaded\n");
  print_list(answer, "added_subnets", "added subnets");
  print_list(answer, "removed_subnets", "removed subnets");
  print_list(answer, "added_cameras", "added cameras");
  print_list(answer, "removed_cameras", "removed cameras");
  print_list(answer, "changed_cameras", "changed cameras");
  print_list(answer, "not_applied", "need a restart");
  return exit_ok;
}

} // namespace camfleet::ctl
