// The web pages, served by the admin interface from the files compiled in
// (fleet/web_assets.hpp):
//
//   GET /                 the fleet: a tile per camera, grouped by subnet
//   GET /cameras/{id}     one camera: live view, timeline, the console's acts
//   GET /web/{file}       their style sheet, scripts and icon
//
// The pages hold no fleet data (their scripts fetch it from /v1/, where the
// token rules apply), so they are served to anyone who reaches the interface;
// that is what lets a browser without a session show the login form.
// Every file is revalidated on each load (no-cache with an ETag), so an
// upgraded camfleetd never runs an old script against a new API.

#pragma once

#include "fleet/admin_routes.hpp"

#include <optional>

namespace camfleet {

/// The answer when `path` is a page or a page's file; nothing when it is
/// not (an API path).
std::optional<admin_answer> serve_web_page(const admin_request& request, const std::string& path);

} // namespace camfleet
