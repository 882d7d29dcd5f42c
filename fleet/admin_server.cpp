#include "fleet/admin_server.hpp"

#include "fleet/live_viewer.hpp"
#include "messages/live_messages.hpp"

#include <array>
#include <atomic>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

namespace camfleet {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::size_t header_limit = 8 * 1024;
constexpr std::size_t body_limit = 64 * 1024;
constexpr std::chrono::seconds request_timeout{10};
// Past this many open connections the server stops accepting until one
// ends: later callers wait in the kernel's listen backlog instead of being
// refused, and every connection is still cut by the request timeout.
constexpr std::size_t max_connections = 128;
/// A live-view client that takes longer than this to accept one picture is
/// gone or too slow: its stream ends (and with it, its lease).
constexpr std::chrono::seconds live_write_timeout{10};
/// An on-demand snapshot may wait for a whole capture, or for a running one
/// to be cut short for a viewer.
constexpr std::chrono::seconds fresh_snapshot_timeout{30};

bool is_http_error(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_target).category();
}

/// Counts of what the server holds open, shared with every connection.
struct open_counts {
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> live_views{0};
};

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, const admin_context& context, open_counts& open,
          std::function<void()> on_end)
    : stream_(std::move(socket)), context_(context), open_(open), on_end_(std::move(on_end)),
      write_timer_(stream_.get_executor()) {
    ++open_.connections;
  }

  ~session() {
    --open_.connections;
    if (live_counted_)
      --open_.live_views;
    // However the connection ended, the viewer's lease ends with it: the
    // camera monitors the viewer actor.
    if (viewer_)
      caf::anon_send_exit(viewer_, caf::exit_reason::user_shutdown);
    on_end_();
  }

  // -- live view: called on this server's thread (see live_stream_sink) ------

  void live_granted() {
    if (!stream_.socket().is_open())
      return;
    live_started_ = true;
    std::string head = "HTTP/1.1 200 OK\r\nServer: camfleetd\r\n"
                       "Content-Type: multipart/x-mixed-replace; boundary=";
    head += live_boundary;
    head += "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
    queue_write(std::make_shared<const std::string>(std::move(head)), true);
  }

  void live_refused(const admin_answer& answer) {
    viewer_ = nullptr;
    send(answer, true);
  }

  void live_part(std::shared_ptr<const std::string> bytes) {
    // Only the latest picture waits: a slow viewer skips pictures instead
    // of piling them up.
    latest_part_ = std::move(bytes);
    if (live_started_ && !writing_)
      write_next();
  }

  void live_ended(const std::string& reason) {
    viewer_ = nullptr;
    spdlog::debug("admin interface: live view of {} for {} ended: {}", live_camera_, peer_, reason);
    if (!live_started_) {
      send(error_answer(503, "unavailable", "the live view ended before it began: " + reason),
           true);
      return;
    }
    live_ending_ = true;
    latest_part_.reset();
    if (!writing_)
      write_next();
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(header_limit);
    parser_->body_limit(body_limit);
    stream_.expires_after(request_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      send(error_answer(413, "payload_too_large",
                        "the body is larger than " + std::to_string(body_limit) + " bytes"),
           true);
      return;
    }
    if (ec == http::error::header_limit && !request_line_ended()) {
      send(error_answer(414, "uri_too_long",
                        "the request line is longer than " + std::to_string(header_limit) +
                            " bytes"),
           true);
      return;
    }
    if (ec == http::error::header_limit) {
      send(error_answer(431, "headers_too_large",
                        "the request line and headers are larger than " +
                            std::to_string(header_limit) + " bytes"),
           true);
      return;
    }
    if (ec && is_http_error(ec) && ec != http::error::end_of_stream &&
        ec != http::error::partial_message) {
      send(error_answer(400, "bad_request", "malformed HTTP request: " + ec.message()), true);
      return;
    }
    if (ec) {
      // The peer closed, or sent nothing in time: nothing to answer.
      close();
      return;
    }

    const auto& request = parser_->get();
    admin_request question;
    question.method = std::string{request.method_string()};
    question.target = std::string{request.target()};
    question.body = request.body();
    auto header = [&](http::field field) {
      auto it = request.find(field);
      return it == request.end() ? std::string{} : std::string{it->value()};
    };
    question.authorization = header(http::field::authorization);
    question.cookie = header(http::field::cookie);
    question.host = header(http::field::host);
    question.origin = header(http::field::origin);
    question.if_none_match = header(http::field::if_none_match);
    if (auto it = request.find("Sec-Fetch-Site"); it != request.end())
      question.sec_fetch_site = std::string{it->value()};
    auto answer = handle_admin_request(context_, question);
    if (!answer.live_camera.empty()) {
      start_live_view(answer.live_camera);
      return;
    }
    if (!answer.fresh_snapshot_camera.empty()) {
      take_fresh_snapshot(answer.fresh_snapshot_camera, !request.keep_alive());
      return;
    }
    send(answer, !request.keep_alive());
  }

  void take_fresh_snapshot(const std::string& camera_id, bool close_after);

  void start_live_view(const std::string& camera_id);

  void write_next() {
    std::shared_ptr<const std::string> next;
    if (!pending_writes_.empty()) {
      next = std::move(pending_writes_.front());
      pending_writes_.erase(pending_writes_.begin());
    } else if (latest_part_) {
      next = std::move(latest_part_);
      latest_part_.reset();
    } else if (live_ending_) {
      next = std::make_shared<const std::string>(std::string{"--"} + live_boundary + "--\r\n");
      live_ending_ = false;
      live_closing_ = true;
    } else {
      if (live_closing_)
        close();
      return;
    }
    writing_ = true;
    write_timer_.expires_after(live_write_timeout);
    write_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->close();
    });
    net::async_write(stream_.socket(), net::buffer(*next),
                     [self = shared_from_this(), next](beast::error_code ec, std::size_t) {
                       self->writing_ = false;
                       self->write_timer_.cancel();
                       if (ec) {
                         self->close();
                         return;
                       }
                       self->write_next();
                     });
  }

  void queue_write(std::shared_ptr<const std::string> bytes, bool first) {
    if (first)
      pending_writes_.insert(pending_writes_.begin(), std::move(bytes));
    else
      pending_writes_.push_back(std::move(bytes));
    if (!writing_)
      write_next();
  }

  // A live viewer sends nothing after its request; whatever it sends is
  // discarded, and its end of the connection closing is the viewer leaving.
  void watch_for_departure() {
    stream_.socket().async_read_some(
        net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) {
            self->close();
            return;
          }
          self->watch_for_departure();
        });
  }

  // Whether the bytes read so far hold the end of the request line. The
  // parser consumes nothing of an unfinished header, so after header_limit
  // the buffer holds everything the client sent.
  bool request_line_ended() const {
    auto data = buffer_.cdata();
    std::string_view text{static_cast<const char*>(data.data()), data.size()};
    return text.find("\r\n") != std::string_view::npos;
  }

  void send(const admin_answer& answer, bool close_after) {
    response_ = {};
    response_.version(11);
    response_.result(answer.status);
    response_.set(http::field::server, "camfleetd");
    response_.set(http::field::content_type, answer.content_type);
    response_.set(http::field::cache_control, answer.cache_control);
    for (const auto& [name, value] : answer.headers)
      response_.insert(name, value);
    if (!answer.allow.empty())
      response_.set(http::field::allow, answer.allow);
    if (answer.status == 401)
      response_.set(http::field::www_authenticate, "Bearer realm=\"camfleetd\"");
    response_.body() = answer.body;
    response_.keep_alive(!close_after);
    response_.prepare_payload();
    stream_.expires_after(request_timeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this(), close_after](beast::error_code ec, std::size_t) {
                        if (ec || close_after)
                          self->close();
                        else
                          self->read();
                      });
  }

  void close() {
    beast::error_code ignored;
    write_timer_.cancel();
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    if (viewer_) {
      caf::anon_send_exit(viewer_, caf::exit_reason::user_shutdown);
      viewer_ = nullptr;
    }
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  const admin_context& context_;
  open_counts& open_;
  std::function<void()> on_end_;

  // Live view state, used only by a connection that streams one.
  net::steady_timer write_timer_;
  caf::actor viewer_;
  std::string live_camera_;
  std::string peer_;
  bool live_counted_ = false;
  bool live_started_ = false;
  bool writing_ = false;
  bool live_ending_ = false;
  bool live_closing_ = false;
  std::vector<std::shared_ptr<const std::string>> pending_writes_;
  std::shared_ptr<const std::string> latest_part_;
  std::array<char, 512> discard_{};
};

// Hands the viewer actor's calls over to the server's thread; a connection
// already gone ignores them.
class live_stream_sink : public live_sink {
 public:
  live_stream_sink(net::any_io_executor executor, std::weak_ptr<session> target)
    : executor_(std::move(executor)), target_(std::move(target)) {}

  void granted() override {
    post([](session& s) { s.live_granted(); });
  }
  void refused(admin_answer answer) override {
    post([answer = std::move(answer)](session& s) { s.live_refused(answer); });
  }
  void part(std::shared_ptr<const std::string> bytes) override {
    post([bytes = std::move(bytes)](session& s) mutable { s.live_part(std::move(bytes)); });
  }
  void ended(std::string reason) override {
    post([reason = std::move(reason)](session& s) { s.live_ended(reason); });
  }

 private:
  template <class F>
  void post(F&& f) {
    net::post(executor_, [target = target_, f = std::forward<F>(f)]() mutable {
      if (auto s = target.lock())
        f(*s);
    });
  }

  net::any_io_executor executor_;
  std::weak_ptr<session> target_;
};

// A one-shot actor asking the fleet for an on-demand snapshot; `deliver`
// gets the answer. (A named function with arguments: CAF 0.17 spawning an
// argumentless lambda trips UndefinedBehaviorSanitizer.)
void ask_for_fresh_snapshot(caf::event_based_actor* self, caf::actor root, std::string camera_id,
                            std::function<void(admin_answer)> deliver) {
  self->request(root, fresh_snapshot_timeout, snapshot_atom::value, std::move(camera_id))
      .then(
          [deliver](fresh_snapshot& picture) {
            admin_answer answer;
            answer.content_type = "image/jpeg";
            answer.body.assign(picture.jpeg.begin(), picture.jpeg.end());
            deliver(std::move(answer));
          },
          [deliver](caf::error& error) {
            deliver(answer_for_error(error, fresh_snapshot_timeout));
          });
}

void session::take_fresh_snapshot(const std::string& camera_id, bool close_after) {
  // A one-shot actor asks; its answer is handed back to this thread.
  // The connection stays alive until the answer is sent: the actor holds
  // it, and hands it back to this thread with the answer (the actor always
  // answers, at the latest with a timeout error).
  auto executor = stream_.get_executor();
  auto deliver = [executor, target = shared_from_this(), close_after](admin_answer answer) {
    net::post(executor, [target, close_after, answer = std::move(answer)] {
      target->send(answer, close_after);
    });
  };
  context_.system->spawn(ask_for_fresh_snapshot, context_.root, camera_id,
                         std::function<void(admin_answer)>{std::move(deliver)});
}

void session::start_live_view(const std::string& camera_id) {
  beast::error_code ec;
  auto remote = stream_.socket().remote_endpoint(ec);
  peer_ = ec ? std::string{"unknown"}
             : remote.address().to_string() + ":" + std::to_string(remote.port());
  live_camera_ = camera_id;
  if (open_.live_views.load() >= context_.max_viewers) {
    send(error_answer(429, "viewer_limit",
                      "the fleet already streams " + std::to_string(context_.max_viewers) +
                          " live views, its limit (live.max_viewers)"),
         true);
    return;
  }
  ++open_.live_views;
  live_counted_ = true;
  // From now on the connection carries only the live view: no timeout on
  // the whole stream (each write has its own), and a read that notices the
  // viewer leaving.
  stream_.expires_never();
  auto sink = std::make_shared<live_stream_sink>(stream_.get_executor(), weak_from_this());
  viewer_ = context_.system->spawn(live_viewer, context_.root, camera_id, peer_, std::move(sink));
  watch_for_departure();
}

} // namespace

struct admin_server::impl {
  admin_context context;
  // Before the io_context: sessions, destroyed with it, decrement it and
  // read the flags.
  open_counts open;
  bool accept_paused = false;
  bool warned_full = false;
  bool stopped = false;
  net::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;

  void accept() {
    if (open.connections.load() >= max_connections) {
      // Full: leave further callers in the listen backlog until a session
      // ends (session_ended). Warned once until the crowd has thinned to
      // half, not at every pause of a burst.
      if (!warned_full)
        spdlog::warn("admin interface: {} connections open; further ones wait until some end",
                     max_connections);
      warned_full = true;
      accept_paused = true;
      return;
    }
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted)
        return;
      if (!ec)
        std::make_shared<session>(std::move(socket), context, open, [this] {
          session_ended();
        })->read();
      accept();
    });
  }

  // On the io thread, from a session's destructor.
  void session_ended() {
    if (open.connections.load() < max_connections / 2)
      warned_full = false;
    if (!accept_paused || stopped)
      return;
    accept_paused = false;
    accept();
  }
};

admin_server::admin_server(admin_context context, const std::string& address, std::uint16_t port)
  : impl_(std::make_unique<impl>()) {
  impl_->context = std::move(context);
  beast::error_code ec;
  auto ip = net::ip::make_address(address, ec);
  if (ec)
    throw std::runtime_error("admin interface: \"" + address + "\" is not an IP address");
  tcp::endpoint endpoint{ip, port};
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor.bind(endpoint, ec);
  if (!ec)
    acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("admin interface: cannot listen on " + address + " port " +
                             std::to_string(port) + ": " + ec.message());
}

admin_server::~admin_server() {
  stop();
}

std::uint16_t admin_server::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void admin_server::start(caf::actor root) {
  impl_->context.root = std::move(root);
  impl_->accept();
  impl_->thread = std::thread{[this] { impl_->io.run(); }};
}

void admin_server::stop() {
  if (!impl_ || (!impl_->thread.joinable() && !impl_->acceptor.is_open()))
    return;
  net::post(impl_->io, [this] {
    impl_->stopped = true;
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->io.stop();
  });
  if (impl_->thread.joinable())
    impl_->thread.join();
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

} // namespace camfleet
