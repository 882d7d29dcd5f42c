// Who may use the admin interface, and how a browser logs in.
//
// With a token set, a request is let in by "Authorization: Bearer TOKEN"
// (camfleetctl, scripts, and the login itself) or by the session cookie that
// POST /v1/login hands out for the token (the web pages, whose <img> and
// navigation requests cannot carry a header).
//
// Acts must not be forgeable from another site the operator's browser has
// open. The cookie is SameSite=Strict, so a browser never sends it with a
// request another site started; and any request that is not a GET and comes
// from a browser (it carries Origin or Sec-Fetch-Site) must come from the
// interface's own pages, token or not: without a token nothing else would
// stop a page elsewhere from posting a kick to 127.0.0.1.

#pragma once

#include "fleet/admin_routes.hpp"

#include <optional>

namespace camfleet {

/// The cookie holding a browser's session.
constexpr const char* session_cookie_name = "camfleet_session";

/// The error to answer when `request` may not go further: 401 without a
/// valid token or session, 403 for a cross-site act. Nothing when it may.
std::optional<admin_answer> check_access(const admin_context& context,
                                         const admin_request& request);

/// POST /v1/login (bearer token in, session cookie out), GET /v1/login
/// (whether a token is required; answered only to those let in) and
/// POST /v1/logout; nothing for any other path. Called after check_access.
std::optional<admin_answer> web_login_route(const admin_context& context,
                                            const admin_request& request, const std::string& path);

/// The value of cookie `name` in a Cookie header, empty if absent.
std::string cookie_value(const std::string& cookie_header, const std::string& name);

} // namespace camfleet
