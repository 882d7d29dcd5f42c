// libav's log, routed into spdlog with the camera it is about.
//
// libav logs through one process-wide callback and knows nothing about
// cameras. The bridge sends every line to spdlog's default logger (looked up
// at each line, so a logger installed later is used) and, while a capture
// runs on the thread that wrote the line, prefixes it with the camera's id and
// removes that camera's credentials. It also remembers the last error or
// warning libav wrote during the capture: libav maps RTSP 453 and 406 both to
// AVERROR_HTTP_OTHER_4XX, and only its log line says which one it was.
//
// libav lines written on other threads (a decoder's worker threads, for
// instance) carry no camera: open decoders with thread_count=1 inside a scope.

#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace camfleet {

/// How much libav says. Lines above the level are dropped before formatting.
enum class libav_log_level {
  error,
  warning, ///< the default: camera misbehaviour, nothing per packet
  info,
  verbose, ///< the SDP of each session, among others
  debug,
  /// Every RTSP request and reply line (Authorization headers redacted) and
  /// more per packet: for a single capture under investigation.
  trace,
};

/// Installs the bridge as libav's log callback and sets libav's level to
/// `warning`. Thread-safe; the first call does it, later calls do nothing.
void install_av_log_bridge();

/// Installs the bridge if needed, then sets libav's log level.
void set_libav_log_level(libav_log_level level);

/// Names the camera for every libav line written on this thread while the
/// scope lives. Scopes nest; the innermost one wins. Not copyable, not
/// movable: it must be destroyed on the thread that created it.
class av_log_scope {
 public:
  /// `password` is borrowed: it must outlive the scope.
  av_log_scope(std::string camera_id, std::string_view password);

  ~av_log_scope();

  av_log_scope(const av_log_scope&) = delete;
  av_log_scope& operator=(const av_log_scope&) = delete;

  /// The scope of this thread, if any.
  static av_log_scope* current() noexcept;

  const std::string& camera_id() const noexcept { return camera_id_; }

  /// The last error or warning line libav wrote in this scope, redacted and
  /// without libav's "[rtsp @ 0x...]" prefix; empty when there was none.
  /// Recorded whatever the log level, since classification needs it.
  const std::string& last_problem() const noexcept { return last_problem_; }

  /// Forgets the last problem, for instance before trying a fallback path.
  void clear_last_problem() noexcept { last_problem_.clear(); }

  /// Called with the method (OPTIONS, DESCRIBE, SETUP, ...) each time libav
  /// sends an RTSP request on this thread, from inside libav: it must return
  /// quickly, and whatever it throws is logged and swallowed.
  void on_rtsp_request(std::function<void(std::string_view method)> observer) {
    request_observer_ = std::move(observer);
  }

  /// Used by the bridge; not for other callers.
  std::string redact(std::string_view text) const;
  void record_problem(std::string line) { last_problem_ = std::move(line); }
  void notify_rtsp_request(std::string_view method) const;

 private:
  std::string camera_id_;
  std::string_view password_;
  std::string last_problem_;
  std::function<void(std::string_view)> request_observer_;
  av_log_scope* outer_;
};

} // namespace camfleet
