#include "fleet/web_login.hpp"

#include "fleet/admin_request_checks.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace camfleet {

namespace json = boost::json;

namespace {

bool is_read(const std::string& method) {
  return method == "GET" || method == "HEAD";
}

// GET /v1/cameras/{id}/live opens a session to the camera: a read, but one
// that another site's <img> must not be able to make.
bool opens_a_session(const admin_request& request) {
  auto path = request.target.substr(0, request.target.find('?'));
  static const std::string live = "/live";
  return path.rfind("/v1/cameras/", 0) == 0 && path.size() > live.size() &&
         path.compare(path.size() - live.size(), live.size(), live) == 0;
}

// A browser says where a request comes from; other clients say nothing and
// are judged by their token alone.
std::optional<admin_answer> check_same_origin(const admin_request& request) {
  if (is_read(request.method) && !opens_a_session(request))
    return std::nullopt;
  const auto& site = request.sec_fetch_site;
  if (!site.empty() && site != "same-origin" && site != "none")
    return error_answer(403, "forbidden",
                        "this interface takes acts and live views only from its own pages "
                        "(Sec-Fetch-Site: " +
                            site.substr(0, 32) + ")");
  if (!request.origin.empty() && request.origin != "http://" + request.host)
    return error_answer(403, "forbidden",
                        "this interface takes acts only from its own pages; the request came "
                        "from another origin");
  return std::nullopt;
}

// The host part of a Host header: "127.0.0.1:8080" → "127.0.0.1",
// "[::1]:8080" → "::1".
std::string host_name(const std::string& host) {
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    return close == std::string::npos ? host : host.substr(1, close - 1);
  }
  return host.substr(0, host.find(':'));
}

// Without a token the interface listens on loopback only, and answers only
// requests addressed to a loopback name: a web page that made its own host
// name resolve to 127.0.0.1 (DNS rebinding) would otherwise be the same
// origin as the pages, and could read the API and act.
std::optional<admin_answer> check_loopback_host(const admin_request& request) {
  if (request.host.empty())
    return std::nullopt;
  auto name = host_name(request.host);
  bool loopback =
      name == "localhost" || name == "::1" ||
      (name.rfind("127.", 0) == 0 && name.find_first_not_of("0123456789.") == std::string::npos);
  if (loopback)
    return std::nullopt;
  return error_answer(403, "forbidden",
                      "without a token this interface answers only requests addressed to "
                      "localhost or a loopback address (Host: " +
                          request.host.substr(0, 64) +
                          "); set admin.token to serve it under other names");
}

json::object login_body(bool token_required) {
  json::object body;
  body["logged_in"] = true;
  body["token_required"] = token_required;
  return body;
}

admin_answer json_ok(const json::object& body) {
  admin_answer answer;
  answer.body = json::serialize(body);
  return answer;
}

} // namespace

std::string cookie_value(const std::string& cookie_header, const std::string& name) {
  std::size_t start = 0;
  while (start < cookie_header.size()) {
    auto end = cookie_header.find(';', start);
    if (end == std::string::npos)
      end = cookie_header.size();
    auto pair = cookie_header.substr(start, end - start);
    start = end + 1;
    auto first = pair.find_first_not_of(' ');
    if (first == std::string::npos)
      continue;
    pair = pair.substr(first);
    if (pair.size() > name.size() && pair.compare(0, name.size(), name) == 0 &&
        pair[name.size()] == '=') {
      auto value = pair.substr(name.size() + 1);
      return value.substr(0, value.find_last_not_of(' ') + 1);
    }
  }
  return {};
}

std::optional<admin_answer> check_access(const admin_context& context,
                                         const admin_request& request) {
  if (!context.token.empty() && !token_matches(request.authorization, context.token)) {
    auto session = cookie_value(request.cookie, session_cookie_name);
    bool logged_in = request.authorization.empty() && !session.empty() && context.sessions &&
                     context.sessions->valid(session);
    if (!logged_in) {
      if (!request.authorization.empty())
        return error_answer(401, "unauthorized",
                            "the bearer token is wrong: check --token or CAMFLEET_TOKEN");
      if (!session.empty())
        return error_answer(401, "unauthorized",
                            "the login session has expired or camfleetd restarted: log in "
                            "again with the token");
      return error_answer(401, "unauthorized",
                          "this interface requires a bearer token: pass --token or set "
                          "CAMFLEET_TOKEN, or log in on the web page");
    }
  }
  if (context.token.empty())
    if (auto refused = check_loopback_host(request))
      return refused;
  return check_same_origin(request);
}

std::optional<admin_answer> web_login_route(const admin_context& context,
                                            const admin_request& request, const std::string& path) {
  if (path != "/v1/login" && path != "/v1/logout")
    return std::nullopt;
  bool token_required = !context.token.empty();
  // GET /v1/login: check_access let the browser in, by its session or
  // because no token is set. The pages ask this first.
  if (path == "/v1/login" && request.method == "GET")
    return json_ok(login_body(token_required));
  if (request.method != "POST") {
    auto answer = error_answer(405, "method_not_allowed",
                               path == "/v1/login" ? "this path takes GET or POST only"
                                                   : "this path takes POST only");
    answer.allow = path == "/v1/login" ? "GET, POST" : "POST";
    return answer;
  }
  if (auto bad = check_empty_body(request.body))
    return *bad;

  if (path == "/v1/logout") {
    auto session = cookie_value(request.cookie, session_cookie_name);
    if (!session.empty() && context.sessions)
      context.sessions->close(session);
    json::object body;
    body["logged_in"] = false;
    auto answer = json_ok(body);
    answer.headers.emplace_back("Set-Cookie", std::string{session_cookie_name} +
                                                  "=; Path=/; HttpOnly; SameSite=Strict; "
                                                  "Max-Age=0");
    return answer;
  }

  // Without a token there is nothing to exchange: the pages work as they are.
  if (!token_required)
    return json_ok(login_body(false));
  // check_access also lets a valid session in; a login must present the
  // token itself.
  if (!token_matches(request.authorization, context.token))
    return error_answer(401, "unauthorized",
                        "log in with the token in an Authorization: Bearer header");
  auto answer = json_ok(login_body(true));
  answer.headers.emplace_back("Set-Cookie",
                              std::string{session_cookie_name} + "=" + context.sessions->open() +
                                  "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                  std::to_string(context.sessions->lifetime().count()));
  return answer;
}

} // namespace camfleet
