#include "tools/camsim/control_server.hpp"

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

namespace camfleet::camsim {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::asio::ip::tcp;

namespace {

// A test that forgot a connection must not keep camsim from stopping.
constexpr auto idle_timeout = std::chrono::seconds{30};
// Behaviour changes are a few hundred bytes.
constexpr std::uint64_t max_body_bytes = 64 * 1024;

} // namespace

/// One HTTP connection: read a request, answer it, repeat while kept alive.
class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(control_server& server, tcp::socket socket, std::uint64_t id)
    : server_(server), stream_(std::move(socket)), id_(id) {}

  void start() { read(); }

  void close() {
    if (closed_)
      return;
    closed_ = true;
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    server_.forget(id_);
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(max_body_bytes);
    stream_.expires_after(idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (self->closed_)
                         return;
                       if (ec) {
                         self->close();
                         return;
                       }
                       self->answer(self->parser_->release());
                     });
  }

  void answer(http::request<http::string_body> request) {
    control_reply reply;
    try {
      reply = server_.handle()(
          {std::string{request.method_string()}, std::string{request.target()}, request.body()});
    } catch (const std::exception& e) {
      // A bug of ours; the client still gets JSON, and the log says what.
      spdlog::error("control API: {} {} failed: {}", std::string{request.method_string()},
                    std::string{request.target()}, e.what());
      reply = {500, boost::json::object{{"error", e.what()}}};
    }
    response_.emplace(static_cast<http::status>(reply.status), request.version());
    response_->set(http::field::server, "camsim");
    response_->set(http::field::content_type, "application/json");
    response_->keep_alive(request.keep_alive());
    response_->body() = boost::json::serialize(reply.body) + "\n";
    response_->prepare_payload();
    http::async_write(stream_, *response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (self->closed_)
                          return;
                        if (ec || !self->response_->keep_alive()) {
                          self->close();
                          return;
                        }
                        self->read();
                      });
  }

  control_server& server_;
  beast::tcp_stream stream_;
  std::uint64_t id_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  bool closed_ = false;
};

control_server::control_server(boost::asio::io_context& io, loopback_endpoint where, handler handle)
  : io_(io), where_(where), handle_(std::move(handle)), acceptor_(io), retry_timer_(io) {}

control_server::~control_server() {
  stop();
}

void control_server::start() {
  if (!is_loopback(where_.address))
    throw std::invalid_argument("control API: refusing to bind " + where_.address.to_string() +
                                ", outside loopback");
  tcp::endpoint endpoint{where_.address, where_.port};
  try {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("control API cannot listen on " +
                             to_string(where_.address, where_.port) + ": " + e.what());
  }
  port_ = acceptor_.local_endpoint().port();
  accept();
}

void control_server::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  auto sessions = std::move(sessions_);
  sessions_.clear();
  for (auto& [id, weak] : sessions)
    if (auto session = weak.lock())
      session->close();
}

void control_server::forget(std::uint64_t session_id) {
  sessions_.erase(session_id);
}

void control_server::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open())
      return;
    if (!ec) {
      auto id = next_session_id_++;
      auto session = std::make_shared<http_session>(*this, std::move(socket), id);
      sessions_.emplace(id, session);
      session->start();
    } else if (ec != boost::asio::error::operation_aborted) {
      // Out of descriptors, typically: wait instead of spinning.
      spdlog::warn("control API: accept failed: {}", ec.message());
      retry_timer_.expires_after(std::chrono::milliseconds{100});
      retry_timer_.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec && acceptor_.is_open())
          accept();
      });
      return;
    }
    accept();
  });
}

} // namespace camfleet::camsim
