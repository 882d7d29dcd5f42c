// What the inspection console asks the actors and what they answer.
//
//   admin server ──request──▶ fleet root ──request──▶ subnet supervisor ──request──▶ camera
//   (its own thread,           fleet_view,             subnet_view,                  camera_view
//    a scoped actor per        camera_act, subnet_act, camera_act, subnet_act
//    HTTP request)             reload_atom
//
// Views are copies taken when the question arrives: the console never holds
// a pointer into an actor's state. Like every message, none carries a
// credential, except subnet_reconfigure, which is local by construction (see
// there). Failures come back as caf::error values of the "admin" category,
// whose codes the admin server maps to HTTP statuses.

#pragma once

#include "config/fleet_config.hpp"
#include "messages/fleet_messages.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

namespace camfleet {

// -- atoms -------------------------------------------------------------------

/// admin → fleet root → supervisor → camera: describe yourself (a view).
using inspect_atom = caf::atom_constant<caf::atom("inspect")>;

/// admin → fleet root, with a subnet name: its recent patrol reports.
using reports_atom = caf::atom_constant<caf::atom("reports")>;

/// admin → fleet root: reread the configuration file and apply it.
using reload_atom = caf::atom_constant<caf::atom("reload")>;

/// supervisor → itself (a timer), and supervisor → camera with the stuck
/// grace in ms: look for a capture that outlived its budget.
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

/// Patrol reports the fleet root keeps per subnet for the console.
constexpr std::size_t recent_reports_limit = 20;

// -- errors ------------------------------------------------------------------

/// Why an admin request failed; the admin server maps each to an HTTP status.
enum class admin_errc : std::uint8_t {
  /// No camera or subnet of that name.
  not_found = 1,
  /// The request is valid but the target's state forbids it now.
  conflict,
  /// The configuration file has problems; nothing was changed.
  invalid_config,
  /// An actor did not answer (it restarts, or the fleet is stopping).
  unavailable,
  /// A limit (viewers per camera, per fleet) is reached; retry later.
  over_limit,
};

const char* to_string(admin_errc code);

/// An error of the "admin" category carrying `message` for people.
caf::error make_admin_error(admin_errc code, std::string message);

/// The admin code of `error`, or unavailable for an error of another category.
admin_errc admin_code_of(const caf::error& error);

/// The message given to make_admin_error, or CAF's rendering otherwise.
std::string admin_message_of(const caf::error& error);

// -- camera ------------------------------------------------------------------

struct transition_view {
  std::string from;
  std::string to;
  /// Wall-clock milliseconds since the Unix epoch.
  std::int64_t at_ms = 0;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transition_view& x) {
  return f(caf::meta::type_name("transition_view"), x.from, x.to, x.at_ms, x.reason);
}

/// One viewer's lease on a camera's live session.
struct lease_view {
  std::uint64_t lease_id = 0;
  /// The HTTP peer, "127.0.0.1:53122".
  std::string viewer;
  std::int64_t since_at_ms = 0;
  std::uint64_t frames_served = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_view& x) {
  return f(caf::meta::type_name("lease_view"), x.lease_id, x.viewer, x.since_at_ms,
           x.frames_served);
}

/// One camera as the console shows it. Times named `_ms` are durations;
/// times named `_at_ms` are wall-clock milliseconds since the epoch, 0 for
/// "never".
struct camera_view {
  std::string id;
  std::string subnet;
  std::string model;
  /// "127.1.125.19:554/stream1": no user name, no password.
  std::string endpoint;
  std::string password_source;
  /// CAF's id of the camera actor; 0 while it is being restarted.
  std::uint64_t actor_id = 0;
  /// idle, connecting, capturing, backoff; "down" while restarted.
  std::string state;
  std::int64_t entered_at_ms = 0;
  std::int64_t time_in_state_ms = 0;
  /// The libav phase of the running capture, empty without one.
  std::string phase;
  std::uint64_t patrol_id = 0;
  std::int64_t capture_elapsed_ms = 0;
  std::int64_t capture_budget_ms = 0;
  std::int64_t teardown_budget_ms = 0;
  /// Until the capture budget runs out; negative once overrun.
  std::int64_t deadline_left_ms = 0;
  std::uint64_t attempts = 0;
  std::uint64_t successes = 0;
  std::uint64_t failures = 0;
  std::uint32_t consecutive_failures = 0;
  std::int64_t backoff_until_at_ms = 0;
  std::int64_t backoff_left_ms = 0;
  std::string last_error_kind;
  /// Redacted, as every failure detail.
  std::string last_error_message;
  std::int64_t last_success_at_ms = 0;
  /// A capture worker holds the camera's session (filled by the supervisor,
  /// which monitors workers, so it stays true after a forced release until
  /// the worker's libav call returns).
  bool session_open = false;
  std::uint64_t worker_id = 0;
  bool paused = false;
  /// In connecting or capturing for longer than its capture budget plus the
  /// stuck grace.
  bool stuck = false;
  std::uint64_t forced_releases = 0;
  /// The session is a live one, held for viewers (`leases`), since
  /// `live_since_at_ms`, with `live_frames` pictures decoded for them.
  bool live = false;
  std::int64_t live_since_at_ms = 0;
  std::uint64_t live_frames = 0;
  std::vector<lease_view> leases;
  std::vector<transition_view> transitions;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, camera_view& x) {
  return f(caf::meta::type_name("camera_view"), x.id, x.subnet, x.model, x.endpoint,
           x.password_source, x.actor_id, x.state, x.entered_at_ms, x.time_in_state_ms, x.phase,
           x.patrol_id, x.capture_elapsed_ms, x.capture_budget_ms, x.teardown_budget_ms,
           x.deadline_left_ms, x.attempts, x.successes, x.failures, x.consecutive_failures,
           x.backoff_until_at_ms, x.backoff_left_ms, x.last_error_kind, x.last_error_message,
           x.last_success_at_ms, x.session_open, x.worker_id, x.paused, x.stuck, x.forced_releases,
           x.live, x.live_since_at_ms, x.live_frames, x.leases, x.transitions);
}

// -- subnet and fleet --------------------------------------------------------

struct subnet_view {
  std::string name;
  bool paused = false;
  /// The fleet root stopped restarting this subnet's supervisor.
  bool given_up = false;
  std::uint64_t supervisor_restarts = 0;
  std::uint64_t camera_restarts = 0;
  std::uint64_t patrols_finished = 0;
  std::int64_t patrol_interval_ms = 0;
  /// The running patrol: id 0 when none runs.
  std::uint64_t patrol_id = 0;
  std::int64_t patrol_started_at_ms = 0;
  std::int64_t patrol_deadline_at_ms = 0;
  std::int64_t patrol_deadline_left_ms = 0;
  std::uint32_t patrol_total = 0;
  std::uint32_t patrol_done = 0;
  std::uint32_t patrol_in_flight = 0;
  std::uint32_t patrol_queued = 0;
  /// The last finished patrol, 0 before the first.
  std::uint64_t last_patrol_id = 0;
  std::uint32_t last_patrol_captured = 0;
  std::uint32_t last_patrol_total = 0;
  std::int64_t last_patrol_duration_ms = 0;
  std::int64_t last_patrol_ended_at_ms = 0;
  std::vector<camera_view> cameras;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, subnet_view& x) {
  return f(caf::meta::type_name("subnet_view"), x.name, x.paused, x.given_up, x.supervisor_restarts,
           x.camera_restarts, x.patrols_finished, x.patrol_interval_ms, x.patrol_id,
           x.patrol_started_at_ms, x.patrol_deadline_at_ms, x.patrol_deadline_left_ms,
           x.patrol_total, x.patrol_done, x.patrol_in_flight, x.patrol_queued, x.last_patrol_id,
           x.last_patrol_captured, x.last_patrol_total, x.last_patrol_duration_ms,
           x.last_patrol_ended_at_ms, x.cameras);
}

struct fleet_view {
  std::vector<subnet_view> subnets;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fleet_view& x) {
  return f(caf::meta::type_name("fleet_view"), x.subnets);
}

// -- acts --------------------------------------------------------------------

enum class act_kind : std::uint8_t {
  /// Cancel the camera's running capture now.
  kick,
  /// Leave backoff now and forget the consecutive failures.
  reset_backoff,
  /// Skip the camera (or the whole subnet) in patrols until resumed.
  pause,
  resume,
  /// Start the subnet's patrol now instead of at the end of its interval.
  patrol_now,
};

const char* to_string(act_kind kind);

/// admin → fleet root → supervisor (→ camera).
struct camera_act {
  std::string camera_id;
  act_kind kind = act_kind::kick;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, camera_act& x) {
  return f(caf::meta::type_name("camera_act"), x.camera_id, x.kind);
}

/// admin → fleet root → supervisor.
struct subnet_act {
  std::string subnet;
  act_kind kind = act_kind::pause;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, subnet_act& x) {
  return f(caf::meta::type_name("subnet_act"), x.subnet, x.kind);
}

/// The answer to camera_act and subnet_act.
struct act_result {
  /// False when the act found nothing to do (kick without a session, pause
  /// of a paused camera).
  bool changed = false;
  /// What happened, for people.
  std::string message;
  /// For patrol_now: the id of the patrol started.
  std::uint64_t patrol_id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, act_result& x) {
  return f(caf::meta::type_name("act_result"), x.changed, x.message, x.patrol_id);
}

// -- reload ------------------------------------------------------------------

struct reload_result {
  /// False if the file had problems; then nothing changed.
  bool applied = false;
  /// "path: reason" per problem, as config_problem's to_string.
  std::vector<std::string> problem_paths;
  std::vector<std::string> problem_reasons;
  std::vector<std::string> added_cameras;
  std::vector<std::string> removed_cameras;
  std::vector<std::string> changed_cameras;
  std::vector<std::string> added_subnets;
  std::vector<std::string> removed_subnets;
  /// Settings that differ but need a restart of camfleetd (snapshot_dir ...).
  std::vector<std::string> not_applied;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reload_result& x) {
  return f(caf::meta::type_name("reload_result"), x.applied, x.problem_paths, x.problem_reasons,
           x.added_cameras, x.removed_cameras, x.changed_cameras, x.added_subnets,
           x.removed_subnets, x.not_applied);
}

/// fleet root → subnet supervisor: the subnet's new configuration, applied
/// at the first moment the subnet holds no session. It carries passwords, so
/// it has no inspect(): CAF refuses to serialise it, and it can never leave
/// the process, unlike every other message.
struct subnet_reconfigure {
  std::shared_ptr<const subnet_config> config;
};

/// Announces the types above to CAF.
void add_admin_message_types(caf::actor_system_config& config);

} // namespace camfleet

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(camfleet::subnet_reconfigure)
