#include "fleet/admin_server.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
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

bool is_http_error(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_target).category();
}

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, const admin_context& context, std::atomic<std::size_t>& open,
          std::function<void()> on_end)
    : stream_(std::move(socket)), context_(context), open_(open), on_end_(std::move(on_end)) {
    ++open_;
  }

  ~session() {
    --open_;
    on_end_();
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
    if (auto it = request.find(http::field::authorization); it != request.end())
      question.authorization = std::string{it->value()};
    send(handle_admin_request(context_, question), !request.keep_alive());
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
    response_.set(http::field::cache_control, "no-store");
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
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  const admin_context& context_;
  std::atomic<std::size_t>& open_;
  std::function<void()> on_end_;
};

} // namespace

struct admin_server::impl {
  admin_context context;
  // Before the io_context: sessions, destroyed with it, decrement it and
  // read the flags.
  std::atomic<std::size_t> open{0};
  bool accept_paused = false;
  bool warned_full = false;
  bool stopped = false;
  net::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;

  void accept() {
    if (open.load() >= max_connections) {
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
    if (open.load() < max_connections / 2)
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
