#include "tools/camsim/rtsp_dialog.hpp"

#include "tools/camsim/auth.hpp"
#include "tools/camsim/camera.hpp"
#include "tools/camsim/sdp.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <spdlog/spdlog.h>

namespace camfleet::camsim {

namespace {

constexpr const char* public_methods =
    "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER, SET_PARAMETER";

std::string lower(std::string_view text) {
  std::string result{text};
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

// The id in "Session: 1a2b3c;timeout=60".
std::string session_of(const rtsp_request& request) {
  auto value = request.header("Session");
  if (!value)
    return {};
  auto id = value->substr(0, value->find(';'));
  while (!id.empty() && id.back() == ' ')
    id.remove_suffix(1);
  return std::string{id};
}

// The first channel of "interleaved=2-3"; 0 when not given.
int interleaved_channel(const std::string& transport) {
  auto pos = transport.find("interleaved=");
  if (pos == std::string::npos)
    return 0;
  int channel = 0;
  if (std::sscanf(transport.c_str() + pos + 12, "%d", &channel) != 1 || channel < 0 ||
      channel > 254)
    return -1;
  return channel;
}

} // namespace

rtsp_dialog::rtsp_dialog(camera& owner) : camera_(owner), nonce_(owner.new_nonce()) {}

dialog_outcome rtsp_dialog::handle(const rtsp_request& request, const behaviour& now_behaving,
                                   steady_time now) {
  dialog_outcome outcome;
  auto cseq = request.header("CSeq");
  rtsp_response response;

  if (!cseq || !request.cseq()) {
    response = make_response(400, cseq);
  } else if (request.version != "RTSP/1.0") {
    response = make_response(505, cseq);
  } else if (request.method == "OPTIONS") {
    response = options(request, now);
  } else if (request.method == "DESCRIBE" || request.method == "SETUP" ||
             request.method == "PLAY" || request.method == "TEARDOWN" ||
             request.method == "GET_PARAMETER" || request.method == "SET_PARAMETER") {
    if (!authorized(request, now_behaving)) {
      response = make_response(401, cseq);
      response.add("WWW-Authenticate", camera_.config().auth == auth_mode::basic
                                           ? basic_challenge(tplink_realm)
                                           : digest_challenge(tplink_realm, nonce_));
    } else {
      // Any request that names a live session keeps it alive.
      if (auto id = session_of(request); !id.empty() && request.method != "TEARDOWN")
        camera_.sessions().touch(id, now);
      if (request.method == "DESCRIBE")
        response = describe(request, now_behaving);
      else if (request.method == "SETUP")
        response = setup(request, now_behaving, now);
      else if (request.method == "PLAY")
        response = play(request, outcome);
      else if (request.method == "TEARDOWN")
        response = teardown(request, outcome);
      else
        response = parameter(request);
    }
  } else {
    response = make_response(501, cseq);
  }

  if (response.status != 200)
    spdlog::debug("camera {}: {} {} -> {}", camera_.config().id, request.method,
                  redact_uri(request.uri), response.status);
  if (now_behaving.kind == behaviour_kind::garbage)
    outcome.reply = garble(response, now_behaving.garbage, request.method == "DESCRIBE");
  else
    outcome.reply = response.serialize();
  return outcome;
}

dialog_outcome rtsp_dialog::reject(parse_error error) {
  spdlog::debug("camera {}: closing a connection that sent a {}", camera_.config().id,
                to_string(error));
  dialog_outcome outcome;
  outcome.reply = make_response(400, std::nullopt).serialize();
  outcome.next = dialog_outcome::action::close_after_reply;
  return outcome;
}

void rtsp_dialog::on_rtcp(steady_time now) {
  if (!session_id_.empty())
    camera_.sessions().touch(session_id_, now);
}

bool rtsp_dialog::authorized(const rtsp_request& request, const behaviour& now_behaving) {
  const auto& config = camera_.config();
  bool rejecting = now_behaving.kind == behaviour_kind::auth_rejected;
  if (config.auth == auth_mode::none && !rejecting)
    return true;
  auto authorization = request.header("Authorization");
  if (!authorization)
    return false; // the first request of every client: a challenge, not a failure

  bool valid = false;
  if (config.auth == auth_mode::basic)
    valid = verify_basic(*authorization, config.username, config.password);
  else if (config.auth == auth_mode::digest)
    valid = verify_digest(*authorization,
                          {request.method, tplink_realm, nonce_, config.username, config.password});
  if (valid && !rejecting)
    return true;
  ++camera_.stats().auth_failures;
  return false;
}

bool rtsp_dialog::path_matches(const std::string& uri, bool allow_track) const {
  auto path = uri_path(uri);
  const auto& base = camera_.config().path;
  if (path == base || path == base + "/")
    return true;
  // SETUP names the track below the stream ("/stream1/trackID=1").
  return allow_track && path.compare(0, base.size(), base) == 0;
}

rtsp_response rtsp_dialog::options(const rtsp_request& request, steady_time now) {
  // OPTIONS is the keep-alive of some clients; it needs no credentials.
  if (auto id = session_of(request); !id.empty())
    camera_.sessions().touch(id, now);
  auto response = make_response(200, request.header("CSeq"));
  response.add("Public", public_methods);
  return response;
}

rtsp_response rtsp_dialog::describe(const rtsp_request& request, const behaviour& now_behaving) {
  auto cseq = request.header("CSeq");
  if (!path_matches(request.uri, false))
    return make_response(404, cseq);
  auto response = make_response(200, cseq);
  auto base = request.uri;
  if (base.empty() || base.back() != '/')
    base += '/';
  response.add("Content-Base", base);
  response.add("Content-Type", "application/sdp");
  sdp_options options{camera_.config().id, camera_.config().address,
                      now_behaving.kind == behaviour_kind::tplink_sdp};
  response.body = make_sdp(camera_.clip(), options);
  return response;
}

rtsp_response rtsp_dialog::setup(const rtsp_request& request, const behaviour& now_behaving,
                                 steady_time now) {
  auto cseq = request.header("CSeq");
  if (!path_matches(request.uri, true))
    return make_response(404, cseq);

  // RTP over the RTSP connection only: the point of camsim is to run where
  // the daemon's cameras are, behind NAT and lossy links, over TCP.
  auto transport = lower(request.header("Transport").value_or(""));
  if (transport.find("rtp/avp/tcp") == std::string::npos)
    return make_response(461, cseq);
  auto channel = interleaved_channel(transport);
  if (channel < 0)
    return make_response(400, cseq);

  auto& sessions = camera_.sessions();
  auto requested = session_of(request);
  if (!requested.empty() && (requested != session_id_ || !sessions.contains(requested)))
    return make_response(454, cseq);
  if (requested.empty() && !session_id_.empty() && sessions.contains(session_id_))
    return make_response(459, cseq);

  if (requested.empty()) {
    // A full camera answers as Tapo does: 453 (or 406), no session.
    int refusal = 0;
    auto id = camera_.new_session_id();
    if (now_behaving.kind == behaviour_kind::session_full)
      refusal = now_behaving.status;
    else if (!sessions.open(id, now))
      refusal = camera_.config().full_status;
    if (refusal != 0) {
      ++camera_.stats().refusals_sent;
      spdlog::debug("camera {}: SETUP refused with {}, {} of {} sessions active",
                    camera_.config().id, refusal, sessions.active(), sessions.limit());
      return make_response(refusal, cseq);
    }
    ++camera_.stats().sessions_started;
    session_id_ = id;
    stream_.ssrc = camera_.random32();
    stream_.first_sequence = static_cast<std::uint16_t>(camera_.random32());
    stream_.first_timestamp_90k = camera_.random32();
    spdlog::debug("camera {}: session {} set up, {} of {} active", camera_.config().id, id,
                  sessions.active(), sessions.limit());
  }
  setup_uri_ = request.uri;
  stream_.channel = static_cast<std::uint8_t>(channel);

  auto response = make_response(200, cseq);
  char ssrc[9];
  std::snprintf(ssrc, sizeof ssrc, "%08X", static_cast<unsigned>(stream_.ssrc));
  response.add("Transport", "RTP/AVP/TCP;unicast;interleaved=" + std::to_string(channel) + "-" +
                                std::to_string(channel + 1) + ";ssrc=" + ssrc + ";mode=\"play\"");
  response.add("Session", session_header());
  return response;
}

rtsp_response rtsp_dialog::play(const rtsp_request& request, dialog_outcome& outcome) {
  auto cseq = request.header("CSeq");
  auto id = session_of(request);
  if (id.empty() || id != session_id_ || !camera_.sessions().contains(id))
    return make_response(454, cseq);
  auto response = make_response(200, cseq);
  response.add("Session", session_header());
  response.add("Range", "npt=0.000-");
  response.add("RTP-Info", "url=" + setup_uri_ + ";seq=" + std::to_string(stream_.first_sequence) +
                               ";rtptime=" + std::to_string(stream_.first_timestamp_90k));
  outcome.next = dialog_outcome::action::start_streaming;
  return response;
}

rtsp_response rtsp_dialog::teardown(const rtsp_request& request, dialog_outcome& outcome) {
  auto cseq = request.header("CSeq");
  auto id = session_of(request);
  if (id.empty() || !camera_.sessions().close(id))
    return make_response(454, cseq);
  ++camera_.stats().teardowns_received;
  spdlog::debug("camera {}: session {} torn down", camera_.config().id, id);
  if (id == session_id_) {
    session_id_.clear();
    outcome.next = dialog_outcome::action::stop_streaming;
  }
  auto response = make_response(200, cseq);
  response.add("Session", id);
  return response;
}

rtsp_response rtsp_dialog::parameter(const rtsp_request& request) {
  auto cseq = request.header("CSeq");
  auto id = session_of(request);
  if (!id.empty() && !camera_.sessions().contains(id))
    return make_response(454, cseq);
  auto response = make_response(200, cseq);
  if (!id.empty())
    response.add("Session", id);
  return response;
}

std::string rtsp_dialog::session_header() const {
  return session_id_ + ";timeout=" + std::to_string(camera_.config().session_timeout_s);
}

std::string uri_path(const std::string& uri) {
  auto scheme = uri.find("://");
  if (scheme == std::string::npos)
    return uri;
  auto slash = uri.find('/', scheme + 3);
  return slash == std::string::npos ? "/" : uri.substr(slash);
}

std::string redact_uri(const std::string& uri) {
  auto scheme = uri.find("://");
  if (scheme == std::string::npos)
    return uri;
  auto host_end = uri.find('/', scheme + 3);
  auto at = uri.rfind('@', host_end);
  if (at == std::string::npos || at < scheme)
    return uri;
  return uri.substr(0, scheme + 3) + "***@" + uri.substr(at + 1);
}

std::string garble(const rtsp_response& response, garbage_mode mode, bool is_describe) {
  auto text = response.serialize();
  switch (mode) {
  case garbage_mode::status_line:
    // Words swapped: the status code is not where a client looks for it.
    return "RTSP/1.0 OK " + std::to_string(response.status) + text.substr(text.find("\r\n"));
  case garbage_mode::headers: {
    // No colons, a negative length, a control character: nothing parses.
    std::string out = text.substr(0, text.find("\r\n") + 2);
    for (const auto& [name, value] : response.headers)
      out += name + " " + value + "\r\n";
    out += "Content-Length: -17\r\n\x01\x7f\r\n\r\n";
    return out;
  }
  case garbage_mode::sdp:
    if (!is_describe || response.status != 200)
      return text;
    break;
  }
  rtsp_response broken = response;
  broken.body = std::string{"v=0\r\nm=video RTP/AVP\r\na=rtpmap:96\r\n"} + '\0' + "\xff\xfe" +
                "sprop-parameter-sets=@@@\r\n";
  return broken.serialize();
}

} // namespace camfleet::camsim
