#include "tools/camfleetctl/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace camfleet::ctl {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string parse_url(const std::string& url, daemon_address& out) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0)
    return "the URL must start with http://, as in http://127.0.0.1:8080";
  auto rest = url.substr(scheme.size());
  while (!rest.empty() && rest.back() == '/')
    rest.pop_back();
  if (rest.find('/') != std::string::npos)
    return "the URL must be http://HOST:PORT with no path";
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon + 1 == rest.size())
    return "the URL must name a port, as in http://127.0.0.1:8080";
  auto host = rest.substr(0, colon);
  auto port = rest.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5)
    return "the port \"" + port + "\" is not a number";
  if (!host.empty() && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  net::ip::make_address(host, ec);
  if (ec)
    return "the host \"" + host + "\" must be an IP address such as 127.0.0.1";
  out.host = host;
  out.port = port;
  return "";
}

http_result call(const daemon_address& address, const std::string& token, const std::string& method,
                 const std::string& target, const std::string& body,
                 std::chrono::milliseconds timeout) {
  http_result result;
  net::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;

  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, address.host + ":" + address.port);
  request.set(http::field::user_agent, "camfleetctl");
  if (!token.empty())
    request.set(http::field::authorization, "Bearer " + token);
  if (!body.empty())
    request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();

  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);

  // Connect, write and read chained under one expiry: no step can hang.
  beast::error_code ec;
  tcp::endpoint endpoint{net::ip::make_address(address.host, ec),
                         static_cast<unsigned short>(std::stoul(address.port))};
  if (ec) {
    result.error = "bad address " + address.host;
    return result;
  }
  std::string failed_step;
  stream.expires_after(timeout);
  stream.async_connect(endpoint, [&](beast::error_code cec) {
    if (cec) {
      failed_step = "connect: " + cec.message();
      return;
    }
    http::async_write(stream, request, [&](beast::error_code wec, std::size_t) {
      if (wec) {
        failed_step = "send: " + wec.message();
        return;
      }
      http::async_read(stream, buffer, parser, [&](beast::error_code rec, std::size_t) {
        if (rec) {
          failed_step = "read: " + rec.message();
          return;
        }
        result.reached = true;
      });
    });
  });
  io.run();

  if (!result.reached) {
    result.error = failed_step.empty() ? "no answer" : failed_step;
    return result;
  }
  const auto& response = parser.get();
  result.status = response.result_int();
  if (auto it = response.find(http::field::content_type); it != response.end())
    result.content_type = std::string{it->value()};
  result.body = response.body();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return result;
}

} // namespace camfleet::ctl
