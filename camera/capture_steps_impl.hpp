// The template of capture_steps.hpp; include that header, not this one.

#pragma once

#include "camera/rtsp_url.hpp"

#include <spdlog/spdlog.h>

namespace camfleet {

namespace detail {

template <class Result>
capture_failure* failure_in(Result& result) {
  return std::get_if<capture_failure>(&result);
}

} // namespace detail

template <class Result, class TryPath>
Result with_fallback_path(capture_context& ctx, TryPath&& try_path) {
  const auto& endpoint = ctx.endpoint;
  Result result = try_path(endpoint.path);
  auto* failure = detail::failure_in(result);
  // A camera without the configured path may still have the fallback (for
  // instance only a sub stream); try it once in what is left of the budget.
  if (failure == nullptr || failure->kind != failure_kind::not_found ||
      endpoint.fallback_path.empty() || ctx.cancel.load() ||
      capture_context::clock::now() >= ctx.capture_deadline)
    return result;
  spdlog::debug("camera={} {} not found, trying fallback {}", ctx.camera_id,
                rtsp_display_url(endpoint, endpoint.path),
                rtsp_display_url(endpoint, endpoint.fallback_path));
  auto main_detail = failure->detail;
  result = try_path(endpoint.fallback_path);
  if (auto* second = detail::failure_in(result))
    second->detail += "; before that, " + main_detail;
  return result;
}

} // namespace camfleet
