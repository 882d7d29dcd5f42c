#include "fleet/web_pages.hpp"

#include "fleet/admin_request_checks.hpp"
#include "fleet/web_assets.hpp"

#include <cstring>

namespace camfleet {

namespace {

// The pages load nothing from elsewhere (the daemon may have no internet),
// and no other site may frame them to trick a click on an act.
constexpr const char* content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

admin_answer asset_answer(const web_asset& asset, const admin_request& request) {
  admin_answer answer;
  answer.content_type = asset.content_type;
  answer.cache_control = "no-cache";
  answer.headers.emplace_back("ETag", asset.etag);
  answer.headers.emplace_back("X-Content-Type-Options", "nosniff");
  answer.headers.emplace_back("Referrer-Policy", "no-referrer");
  if (std::strncmp(asset.content_type, "text/html", 9) == 0) {
    answer.headers.emplace_back("Content-Security-Policy", content_security_policy);
    answer.headers.emplace_back("X-Frame-Options", "DENY");
  }
  if (request.if_none_match == asset.etag) {
    answer.status = 304;
    return answer;
  }
  answer.body.assign(reinterpret_cast<const char*>(asset.data), asset.size);
  return answer;
}

admin_answer page_not_found(const std::string& what) {
  return error_answer(404, "no_route", "no such page: " + what.substr(0, 200));
}

} // namespace

const web_asset* find_web_asset(const std::string& name) {
  for (std::size_t i = 0; i < web_asset_count; ++i)
    if (name == web_assets[i].name)
      return &web_assets[i];
  return nullptr;
}

std::optional<admin_answer> serve_web_page(const admin_request& request, const std::string& path) {
  const char* file = nullptr;
  if (path == "/") {
    file = "fleet.html";
  } else if (path.rfind("/cameras/", 0) == 0) {
    // The page reads the camera id from its own address; a bad one is
    // refused here, as the API would.
    if (auto bad = check_name("camera", path.substr(9)))
      return *bad;
    file = "camera.html";
  } else if (path.rfind("/web/", 0) == 0) {
    auto asset = find_web_asset(path.substr(5));
    if (asset == nullptr)
      return page_not_found(path);
    file = asset->name;
  } else if (path == "/favicon.ico") {
    file = "icon.svg";
  } else {
    return std::nullopt;
  }

  if (request.method != "GET") {
    auto answer = error_answer(405, "method_not_allowed", "this path takes GET only");
    answer.allow = "GET";
    return answer;
  }
  const auto* asset = find_web_asset(file);
  if (asset == nullptr)
    return page_not_found(path);
  return asset_answer(*asset, request);
}

} // namespace camfleet
