// camfleetctl's commands, each a function from its arguments to an exit
// status. Reads print an aligned table, or the daemon's JSON with --json.

#pragma once

#include "tools/camfleetctl/http_client.hpp"

#include <optional>
#include <string>

#include <boost/json/value.hpp>

namespace camfleet::ctl {

/// Exit statuses: scripts tell the cases apart without parsing messages.
enum exit_status : int {
  exit_ok = 0,
  /// The daemon answered with an internal error, or the output failed.
  exit_failed = 1,
  /// The command line or the request was wrong (HTTP 400, 405, 413, 422).
  exit_bad_request = 2,
  /// No answer: camfleetd is not running, not at --url, or not answering.
  exit_unreachable = 3,
  /// No such camera or subnet (HTTP 404).
  exit_not_found = 4,
  /// Missing or wrong token (HTTP 401).
  exit_unauthorized = 5,
  /// The target's state forbids it now (HTTP 409), e.g. a patrol is running.
  exit_conflict = 6,
};

struct ctl_context {
  std::string url;
  daemon_address address;
  std::string token;
  bool json = false;
  bool colour = false;
};

/// GETs or POSTs `target`; on success stores the parsed JSON in `out` and
/// returns exit_ok, otherwise prints what went wrong and what to do on
/// stderr and returns the matching status.
int request_json(const ctl_context& ctl, const std::string& method, const std::string& target,
                 boost::json::value& out);

/// Prints `value` as one line of JSON.
void print_json(const boost::json::value& value);

int cmd_status(const ctl_context& ctl);
int cmd_cameras(const ctl_context& ctl, const std::string& subnet, const std::string& state,
                bool stuck_only);
int cmd_inspect(const ctl_context& ctl, const std::string& camera);
int cmd_subnets(const ctl_context& ctl);
int cmd_patrols(const ctl_context& ctl, const std::string& subnet, int limit);
int cmd_snapshot(const ctl_context& ctl, const std::string& camera, const std::string& file);

/// kick, reset, pause, resume on a camera; pause, resume, patrol on a subnet.
int cmd_act(const ctl_context& ctl, const std::string& verb, const std::string& target,
            bool subnet);
int cmd_reload(const ctl_context& ctl);

/// The live view, until q or Ctrl-C; `max_refreshes` 0 for no limit.
int cmd_top(const ctl_context& ctl, int max_refreshes);

/// The subnets table, as `subnets` and `top` print it.
std::string subnets_table(const boost::json::value& subnets, bool colour);

} // namespace camfleet::ctl
