// The admin interface's routes: from one HTTP request (already read and
// bounded by fleet/admin_server.hpp) to one answer, asking the fleet root
// through a scoped actor with a timeout. Nothing here touches an actor's
// state: every fact comes back in a message.
//
//   GET  /v1/fleet                         counts: cameras per state, sessions, patrols
//   GET  /v1/subnets                       every subnet with its current patrol
//   GET  /v1/subnets/{name}                one subnet
//   GET  /v1/subnets/{name}/patrols        its recent patrol reports (?limit=1..20)
//   GET  /v1/cameras                       every camera (?subnet= &state= &stuck=true|false)
//   GET  /v1/cameras/{id}                  one camera in full, with its last transitions
//   GET  /v1/cameras/{id}/snapshot         its latest snapshot, image/jpeg
//   POST /v1/cameras/{id}/snapshot         a snapshot taken now (on demand), image/jpeg
//   GET  /v1/cameras/{id}/live             a live view, MJPEG (multipart/x-mixed-replace),
//                                          streamed by the server (fleet/live_viewer.hpp)
//   POST /v1/cameras/{id}/{kick,reset,pause,resume}
//   POST /v1/subnets/{name}/{pause,resume,patrol}
//   POST /v1/reload                        reread the configuration file
//   GET  /metrics                          Prometheus text format
//   POST /v1/login, /v1/logout             a browser's session cookie (fleet/web_login.hpp)
//   GET  /, /cameras/{id}, /web/{file}     the web pages (fleet/web_pages.hpp)
//
// Every answer but the snapshot, the metrics and the pages is JSON; every
// error is {"error": {"code": ..., "message": ...}}.

#pragma once

#include "fleet/unanswered_questions.hpp"
#include "fleet/web_sessions.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace camfleet {

struct admin_request {
  std::string method;
  std::string target;
  std::string body;
  /// The Authorization header, empty if absent.
  std::string authorization;
  /// The headers a browser sends that the web pages' login and cache use;
  /// each empty if absent.
  std::string cookie;
  std::string host;
  std::string origin;
  std::string sec_fetch_site;
  std::string if_none_match;
};

struct admin_answer {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// For 405: the methods the path takes.
  std::string allow;
  std::string cache_control = "no-store";
  /// More headers (ETag, Set-Cookie, Content-Security-Policy ...).
  std::vector<std::pair<std::string, std::string>> headers;
  /// Set instead of a body for GET /v1/cameras/{id}/live, once the request
  /// passed every check: the server streams that camera's live view.
  std::string live_camera;
  /// Set instead of a body for POST /v1/cameras/{id}/snapshot: the server
  /// asks that camera for a picture now and answers when it comes, without
  /// blocking its thread for the seconds a capture may take.
  std::string fresh_snapshot_camera;
};

struct admin_context {
  caf::actor_system* system = nullptr;
  caf::actor root;
  std::string snapshot_dir;
  /// Required as "Bearer <token>" when not empty.
  std::string token;
  /// How long a request waits for the actors.
  std::chrono::milliseconds timeout{6000};
  /// The browsers logged in with the token (fleet/web_login.hpp); shared by
  /// every copy of the context.
  std::shared_ptr<web_sessions> sessions = std::make_shared<web_sessions>();
  /// Live views streamed at once, at most (live.max_viewers).
  std::uint32_t max_viewers = 32;
  /// The questions that timed out and are still in the fleet's mailboxes;
  /// shared by the copies of this context.
  std::shared_ptr<unanswered_questions> unanswered = std::make_shared<unanswered_questions>();
};

/// Longest request target accepted; longer ones get 414.
constexpr std::size_t max_target_length = 2048;

/// Largest snapshot served, a bound against a runaway file.
constexpr std::size_t max_snapshot_bytes = 32 * 1024 * 1024;

admin_answer handle_admin_request(const admin_context& context, const admin_request& request);

/// The answer for an error an actor gave instead of a reply.
admin_answer answer_for_error(const caf::error& error, std::chrono::milliseconds timeout);

/// An error answer with the JSON error body.
admin_answer error_answer(unsigned status, const std::string& code, const std::string& message);

} // namespace camfleet
