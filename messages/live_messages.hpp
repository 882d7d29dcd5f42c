// Live view: the messages of a viewer's lease on a camera's one session.
//
//   viewer (one actor per     ──lease_request──▶ fleet root ──▶ supervisor ──▶ camera
//   HTTP stream, in the        ◀──lease_grant──────────────────────────────────┘  │ spawns,
//   admin interface)           ◀──live_frame, lease_ended──────────────────────── │ links
//        ▲ monitored by the camera: a viewer that ends ends its lease            ▼
//                                                                          live worker
//                                                            (detached thread, one session,
//                                                             live_frame ──▶ camera)
//
// Every consumer of a camera shares its single session. Whoever needs it
// first makes the camera open it; everyone else is served from it; the last
// one to leave makes the camera tear it down. Consumers, highest priority
// first: a live viewer, then an on-demand snapshot, then a patrol. A patrol
// capture running when a viewer arrives is cut short and answered from the
// live session instead; a patrol or an on-demand snapshot that finds a live
// session takes its picture from it without connecting; an on-demand
// snapshot that finds a patrol capture running shares its picture.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

namespace camfleet {

/// camera → live worker (a request answered with live_done): open the
/// session and stream until cancelled.
using live_atom = caf::atom_constant<caf::atom("live")>;

/// camera → itself, with a lease id: that lease reached its maximum duration.
using lease_expired_atom = caf::atom_constant<caf::atom("leaseexp")>;

/// camera → itself, with a waiter's sequence: a patrol waiting for a live
/// picture ran out of its budget.
using frame_wait_atom = caf::atom_constant<caf::atom("framewait")>;

/// admin → fleet root → supervisor → camera, with the camera id (a request
/// answered with a fresh_snapshot or an admin error): a picture now, an
/// on-demand snapshot, taken from the session the camera holds if it holds
/// one, else from a capture of its own.
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;

/// The answer to snapshot_atom; also written as the camera's latest snapshot.
struct fresh_snapshot {
  std::int32_t width = 0;
  std::int32_t height = 0;
  std::vector<std::uint8_t> jpeg;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fresh_snapshot& x) {
  return f(caf::meta::type_name("fresh_snapshot"), x.width, x.height, x.jpeg);
}

/// viewer → fleet root → supervisor → camera (a request answered with a
/// lease_grant or an admin error): let `subscriber` watch the camera.
struct lease_request {
  std::string camera_id;
  /// Who watches, for the console: the HTTP peer's address and port.
  std::string viewer;
  /// Receives live_frame and lease_ended; the camera monitors it, and its end
  /// is the end of the lease.
  caf::actor subscriber;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_request& x) {
  return f(caf::meta::type_name("lease_request"), x.camera_id, x.viewer, x.subscriber);
}

struct lease_grant {
  std::uint64_t lease_id = 0;
  /// The camera actor, for the viewer to monitor.
  caf::actor camera;
  /// The lease ends by itself after this long.
  std::int64_t max_duration_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_grant& x) {
  return f(caf::meta::type_name("lease_grant"), x.lease_id, x.camera, x.max_duration_ms);
}

/// live worker → camera, then camera → every viewer: one decoded picture,
/// encoded as JPEG once whatever the number of viewers (the camera sends
/// the same message to each, which CAF shares rather than copies).
struct live_frame {
  /// Which live session of the camera made it (older ones are ignored).
  std::uint64_t session = 0;
  /// Counts the session's frames from 1.
  std::uint64_t number = 0;
  std::int32_t width = 0;
  std::int32_t height = 0;
  std::vector<std::uint8_t> jpeg;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, live_frame& x) {
  return f(caf::meta::type_name("live_frame"), x.session, x.number, x.width, x.height, x.jpeg);
}

/// camera → viewer: the lease is over (the viewer never needs to answer).
struct lease_ended {
  std::uint64_t lease_id = 0;
  /// Why, for people: "maximum duration of 300 s reached", "camera failed:
  /// no_key_frame (...)", "camera stopping".
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_ended& x) {
  return f(caf::meta::type_name("lease_ended"), x.lease_id, x.reason);
}

/// live worker → camera (the answer to live_atom): the session is closed.
struct live_done {
  /// False when the camera failed; then `failure` names the failure_kind.
  bool ok = false;
  std::string failure;
  std::string detail;
  std::uint64_t frames = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, live_done& x) {
  return f(caf::meta::type_name("live_done"), x.ok, x.failure, x.detail, x.frames);
}

/// Announces the types above to CAF.
void add_live_message_types(caf::actor_system_config& config);

} // namespace camfleet
