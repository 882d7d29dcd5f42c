#include "camera/av_log_bridge.hpp"

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

#include <spdlog/spdlog.h>

extern "C" {
#include <libavutil/log.h>
}

#include "camera/redact.hpp"

namespace camfleet {

namespace {

thread_local av_log_scope* current_scope = nullptr;

/// libav sometimes writes one line in several calls; the pieces collect here
/// until a newline ends the line.
struct pending_line {
  std::string text;
  std::string origin; ///< libav's name for the object that wrote it ("rtsp")
  int level = AV_LOG_TRACE;
};

thread_local pending_line pending;

/// A line longer than this is written out even without its newline.
constexpr std::size_t max_pending_size = 8192;

/// libav's ERROR level mostly means "the camera answered something bad":
/// camera misbehaviour, which camfleet logs as a warning (error is for our own
/// bugs). FATAL and PANIC mean libav itself is in trouble.
spdlog::level::level_enum to_spdlog_level(int av_level) {
  if (av_level <= AV_LOG_FATAL)
    return spdlog::level::err;
  if (av_level <= AV_LOG_WARNING)
    return spdlog::level::warn;
  if (av_level <= AV_LOG_INFO)
    return spdlog::level::info;
  if (av_level <= AV_LOG_DEBUG)
    return spdlog::level::debug;
  return spdlog::level::trace;
}

void write_line(std::string_view line, const std::string& origin, int level) {
  auto* scope = current_scope;
  auto redacted = scope != nullptr ? scope->redact(line) : redact_credentials(line, "");
  if (scope != nullptr && level <= AV_LOG_WARNING)
    scope->record_problem(redacted);
  if (level > av_log_get_level())
    return;
  auto logger = spdlog::default_logger();
  auto spd_level = to_spdlog_level(level);
  if (logger == nullptr || !logger->should_log(spd_level))
    return;
  if (scope != nullptr)
    logger->log(spd_level, "camera={} libav: [{}] {}", scope->camera_id(), origin, redacted);
  else
    logger->log(spd_level, "libav: [{}] {}", origin, redacted);
}

void flush_pending() {
  std::string_view text{pending.text};
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (!line.empty())
      write_line(line, pending.origin, pending.level);
    if (end == std::string_view::npos)
      break;
    text.remove_prefix(end + 1);
  }
  pending = pending_line{};
}

/// libav's RTSP client logs each request at trace level as "Sending:\n<request>",
/// whatever level is set; the bridge only reads the method from it.
constexpr std::string_view request_format_prefix = "Sending:";

void notify_request(const char* formatted) {
  std::string_view request{formatted};
  request.remove_prefix(std::min(request.size(), request_format_prefix.size()));
  while (!request.empty() && (request.front() == '\n' || request.front() == '\r'))
    request.remove_prefix(1);
  current_scope->notify_rtsp_request(request.substr(0, request.find(' ')));
}

void handle(void* object, int level, const char* format, va_list args) {
  if (format == nullptr)
    return;
  auto* scope = current_scope;
  bool to_log = level <= av_log_get_level();
  bool is_problem = scope != nullptr && level <= AV_LOG_WARNING;
  bool is_request =
      scope != nullptr && level >= AV_LOG_DEBUG &&
      std::strncmp(format, request_format_prefix.data(), request_format_prefix.size()) == 0;
  if (!to_log && !is_problem && !is_request)
    return;

  // Format the piece.
  char buffer[4096];
  va_list copy;
  va_copy(copy, args);
  int length = std::vsnprintf(buffer, sizeof(buffer), format, copy);
  va_end(copy);
  if (length < 0)
    return;
  if (is_request)
    notify_request(buffer);
  if (!to_log && !is_problem)
    return;

  // Collect pieces until the line is complete.
  if (pending.text.empty()) {
    const AVClass* cls = object != nullptr ? *static_cast<const AVClass* const*>(object) : nullptr;
    pending.origin = cls != nullptr && cls->item_name != nullptr ? cls->item_name(object) : "av";
  }
  pending.level = std::min(pending.level, level);
  pending.text.append(buffer, std::min(static_cast<std::size_t>(length), sizeof(buffer) - 1));
  if (pending.text.back() == '\n' || pending.text.size() > max_pending_size)
    flush_pending();
}

void bridge_callback(void* object, int level, const char* format, va_list args) {
  // Nothing may unwind into libav's C frames.
  try {
    handle(object, level, format, args);
  } catch (...) {
    pending = pending_line{};
  }
}

} // namespace

void install_av_log_bridge() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_level(AV_LOG_WARNING);
    av_log_set_callback(bridge_callback);
  });
}

void set_libav_log_level(libav_log_level level) {
  // In the order of libav_log_level's enumerators.
  static constexpr std::array<int, 6> av_levels{AV_LOG_ERROR,   AV_LOG_WARNING, AV_LOG_INFO,
                                                AV_LOG_VERBOSE, AV_LOG_DEBUG,   AV_LOG_TRACE};
  install_av_log_bridge();
  av_log_set_level(av_levels.at(static_cast<std::size_t>(level)));
}

av_log_scope::av_log_scope(std::string camera_id, std::string_view password)
  : camera_id_(std::move(camera_id)), password_(password), outer_(current_scope) {
  current_scope = this;
}

av_log_scope::~av_log_scope() {
  // A piece without its newline still belongs to this camera.
  if (!pending.text.empty()) {
    try {
      flush_pending();
    } catch (...) {
      pending = pending_line{};
    }
  }
  current_scope = outer_;
}

av_log_scope* av_log_scope::current() noexcept {
  return current_scope;
}

std::string av_log_scope::redact(std::string_view text) const {
  return redact_credentials(text, password_);
}

void av_log_scope::notify_rtsp_request(std::string_view method) const {
  if (!request_observer_)
    return;
  try {
    request_observer_(method);
  } catch (const std::exception& err) {
    spdlog::error("camera={} RTSP request observer threw: {}", camera_id_, err.what());
  } catch (...) {
    spdlog::error("camera={} RTSP request observer threw", camera_id_);
  }
}

} // namespace camfleet
