#include "tools/camsim/rtsp_connection.hpp"

#include "tools/camsim/camera.hpp"
#include "tools/camsim/loopback.hpp"
#include "tools/camsim/rtp_packetizer.hpp"

#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace camfleet::camsim {

namespace {

using std::chrono::steady_clock;

// A client that stops reading gets its frames dropped past this backlog, as a
// camera's encoder queue overflows; replies are never dropped.
constexpr std::size_t max_media_backlog_bytes = 2 * 1024 * 1024;
// Requests piling up behind a delayed reply: more than this is a flood.
constexpr std::size_t max_unparsed_bytes = 256 * 1024;
// A stream that fell this far behind (a stopped process, a debugger) restarts
// its clock instead of bursting out the missed frames.
constexpr auto max_lag = std::chrono::seconds{1};

} // namespace

rtsp_connection::rtsp_connection(camera& owner, boost::asio::ip::tcp::socket socket,
                                 std::uint64_t id)
  : camera_(owner), socket_(std::move(socket)), id_(id), reply_timer_(socket_.get_executor()),
    frame_timer_(socket_.get_executor()), dialog_(owner) {
  boost::system::error_code ec;
  auto remote = socket_.remote_endpoint(ec);
  peer_ = ec ? "?" : to_string(remote.address(), remote.port());
}

void rtsp_connection::start() {
  spdlog::debug("camera {}: connection {} from {}", camera_.config().id, id_, peer_);
  boost::system::error_code ignored;
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  read();
}

void rtsp_connection::close() {
  if (closed_)
    return;
  closed_ = true;
  playing_ = false;
  reply_timer_.cancel();
  frame_timer_.cancel();
  boost::system::error_code ignored;
  socket_.close(ignored);
  spdlog::debug("camera {}: connection {} from {} closed", camera_.config().id, id_, peer_);
  camera_.on_connection_closed(id_);
}

void rtsp_connection::reset() {
  if (closed_)
    return;
  boost::system::error_code ignored;
  socket_.set_option(boost::asio::socket_base::linger(true, 0), ignored);
  ++camera_.stats().resets_sent;
  close();
}

void rtsp_connection::read() {
  socket_.async_read_some(
      boost::asio::buffer(read_buffer_),
      [self = shared_from_this()](boost::system::error_code ec, std::size_t size) {
        if (self->closed_)
          return;
        if (ec) {
          self->close();
          return;
        }
        self->parser_.feed({self->read_buffer_.data(), size});
        if (self->parser_.buffered() > max_unparsed_bytes) {
          self->close();
          return;
        }
        self->process();
        self->read();
      });
}

void rtsp_connection::process() {
  while (!busy_ && !closed_ && !closing_) {
    auto result = parser_.next();
    if (std::holds_alternative<need_more>(result))
      return;
    if (auto* error = std::get_if<parse_error>(&result)) {
      apply(dialog_.reject(*error));
      return;
    }
    if (auto* frame = std::get_if<interleaved_frame>(&result)) {
      // Odd channels carry RTCP, which keeps the session alive.
      if (frame->channel % 2 == 1)
        dialog_.on_rtcp(steady_clock::now());
      continue;
    }
    handle(std::get<rtsp_request>(result));
  }
}

void rtsp_connection::handle(const rtsp_request& request) {
  ++camera_.stats().requests_received;
  const auto& now_behaving = camera_.behaviour_now();
  switch (now_behaving.kind) {
  case behaviour_kind::blackhole:
    return;
  case behaviour_kind::reset:
    reset();
    return;
  default:
    break;
  }
  if (stalled())
    return;

  auto outcome = dialog_.handle(request, now_behaving, steady_clock::now());
  if (now_behaving.kind != behaviour_kind::slow) {
    apply(std::move(outcome));
    return;
  }
  busy_ = true;
  reply_timer_.expires_after(std::chrono::milliseconds{now_behaving.delay_ms});
  reply_timer_.async_wait(
      [self = shared_from_this(), outcome = std::move(outcome)](boost::system::error_code ec) {
        if (ec || self->closed_)
          return;
        self->busy_ = false;
        self->apply(outcome);
        self->process();
      });
}

void rtsp_connection::apply(dialog_outcome outcome) {
  if (!outcome.reply.empty())
    send(std::move(outcome.reply), false);
  switch (outcome.next) {
  case dialog_outcome::action::start_streaming:
    start_stream();
    break;
  case dialog_outcome::action::stop_streaming:
    playing_ = false;
    frame_timer_.cancel();
    break;
  case dialog_outcome::action::close_after_reply:
    close_after_flush();
    break;
  case dialog_outcome::action::none:
    break;
  }
}

bool rtsp_connection::send(std::string bytes, bool is_media) {
  if (closed_ || closing_)
    return false;
  if (is_media && out_bytes_ > max_media_backlog_bytes) {
    ++camera_.stats().frames_dropped;
    return false;
  }
  out_bytes_ += bytes.size();
  out_.push_back(std::move(bytes));
  if (!writing_)
    write_next();
  return true;
}

void rtsp_connection::write_next() {
  if (out_.empty()) {
    writing_ = false;
    if (closing_)
      close();
    return;
  }
  writing_ = true;
  boost::asio::async_write(
      socket_, boost::asio::buffer(out_.front()),
      [self = shared_from_this()](boost::system::error_code ec, std::size_t size) {
        if (self->closed_)
          return;
        if (ec) {
          self->close_after_reading();
          return;
        }
        self->camera_.stats().bytes_sent += size;
        self->out_bytes_ -= self->out_.front().size();
        self->out_.pop_front();
        self->write_next();
      });
}

// A client that closes with stream data unread resets the connection; libav
// sends its TEARDOWN and closes at once, so the TEARDOWN and the reset arrive
// together, and Asio completes the failed write before the pending read. The
// TEARDOWN is in the socket all the same, as it would be in a camera's: act on
// what arrived (it frees the session), then close. Without this, about 7 in
// 1,000 captures of the scale benchmark showed as leaked sessions that the
// client had in fact torn down.
void rtsp_connection::close_after_reading() {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  // Bounded: what the kernel holds for a reset connection is finite anyway.
  for (int reads = 0; !ec && reads < 16 && parser_.buffered() <= max_unparsed_bytes; ++reads) {
    auto size = socket_.read_some(boost::asio::buffer(read_buffer_), ec);
    if (!ec)
      parser_.feed({read_buffer_.data(), size});
  }
  // Replies only queue: the failed write still counts as in progress.
  process();
  close();
}

void rtsp_connection::close_after_flush() {
  closing_ = true;
  if (!writing_)
    close();
}

void rtsp_connection::start_stream() {
  if (playing_)
    return;
  playing_ = true;
  frames_since_play_ = 0;
  next_sequence_ = dialog_.stream().first_sequence;

  // Join the live stream where the camera is now, as a client of a real
  // camera does: mid-GOP, waiting for the next key frame.
  const auto& clip = camera_.clip();
  auto since_start = steady_clock::now() - camera_.started_at();
  auto frames = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(since_start).count() * clip.params.fps /
      1000);
  clip_index_ = static_cast<std::size_t>(frames % clip.frames.size());
  origin_ = steady_clock::now();
  ticks_ = 0;
  schedule_frame();
}

steady_time rtsp_connection::next_frame_due() const {
  auto fps = static_cast<std::uint64_t>(camera_.clip().params.fps);
  auto due = origin_ + std::chrono::nanoseconds{ticks_ * 1'000'000'000ULL / fps};
  const auto& now_behaving = camera_.behaviour_now();
  if (now_behaving.kind == behaviour_kind::slow)
    due += std::chrono::milliseconds{now_behaving.delay_ms};
  return due;
}

void rtsp_connection::schedule_frame() {
  frame_timer_.expires_at(next_frame_due());
  frame_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->closed_ || !self->playing_)
      return;
    self->on_frame();
  });
}

void rtsp_connection::on_frame() {
  // A session that expired (no keep-alive) ends its stream and connection,
  // as cameras that time a session out do.
  if (dialog_.session_id().empty() || !camera_.sessions().contains(dialog_.session_id())) {
    spdlog::debug("camera {}: connection {} streams for an expired session, closing",
                  camera_.config().id, id_);
    close();
    return;
  }

  const auto& now_behaving = camera_.behaviour_now();
  const auto& clip = camera_.clip();
  const auto& frame = clip.frames[clip_index_];
  switch (now_behaving.kind) {
  case behaviour_kind::reset:
    reset();
    return;
  case behaviour_kind::drop_after:
    if (frames_since_play_ >= static_cast<std::uint64_t>(now_behaving.frames)) {
      close_after_flush();
      return;
    }
    send_frame(clip_index_);
    break;
  case behaviour_kind::blackhole:
    break;
  case behaviour_kind::no_key_frame:
    if (!frame.key)
      send_frame(clip_index_);
    break;
  default:
    if (!stalled())
      send_frame(clip_index_);
    break;
  }

  // The clock runs on whether or not the frame went out: timestamps follow
  // the wall clock, as a live camera's do.
  clip_index_ = (clip_index_ + 1) % clip.frames.size();
  ++frame_number_;
  ++ticks_;
  if (steady_clock::now() - next_frame_due() > max_lag) {
    origin_ = steady_clock::now();
    ticks_ = 0;
  }
  schedule_frame();
}

void rtsp_connection::send_frame(std::size_t index) {
  const auto& clip = camera_.clip();
  const auto& frame = clip.frames[index];
  const auto& stream = dialog_.stream();
  auto timestamp = static_cast<std::uint32_t>(stream.first_timestamp_90k +
                                              frame_number_ * 90'000ULL /
                                                  static_cast<std::uint64_t>(clip.params.fps));

  std::size_t size = 0;
  for (const auto& payload : frame.rtp_payloads)
    size += 16 + payload.size();
  std::string bytes;
  bytes.reserve(size);
  for (std::size_t i = 0; i < frame.rtp_payloads.size(); ++i) {
    rtp_fields fields;
    fields.marker = i + 1 == frame.rtp_payloads.size();
    fields.sequence = next_sequence_++;
    fields.timestamp_90k = timestamp;
    fields.ssrc = stream.ssrc;
    append_interleaved_rtp(bytes, stream.channel, fields, frame.rtp_payloads[i]);
  }
  ++frames_since_play_;
  if (send(std::move(bytes), true))
    ++camera_.stats().frames_sent;
}

bool rtsp_connection::stalled() const {
  const auto& now_behaving = camera_.behaviour_now();
  return now_behaving.kind == behaviour_kind::stall_after_play && playing_ &&
         frames_since_play_ >= static_cast<std::uint64_t>(now_behaving.frames);
}

} // namespace camfleet::camsim
