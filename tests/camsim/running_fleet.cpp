#include "tests/camsim/running_fleet.hpp"

#include "tools/camsim/scenario.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

namespace camfleet::camsim::test {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::asio::ip::tcp;

http_reply control_call(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body) {
  boost::asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  http::response<http::string_body> response;
  http_reply result;

  // Connect, write, read: each step chained, all under one 5 s expiry.
  stream.expires_after(std::chrono::seconds{5});
  stream.async_connect(
      tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), port}, [&](beast::error_code ec) {
        if (ec)
          return;
        http::async_write(stream, request, [&](beast::error_code wec, std::size_t) {
          if (wec)
            return;
          http::async_read(stream, buffer, response, [&](beast::error_code rec, std::size_t) {
            if (rec)
              return;
            result.status = response.result_int();
          });
        });
      });
  io.run();
  if (result.status != 0) {
    boost::system::error_code ec;
    result.body = boost::json::parse(response.body(), ec);
  }
  return result;
}

running_fleet::running_fleet(const std::string& scenario_json)
  : sim_(parse_scenario(scenario_json), simulator_options{}) {
  sim_.start();
  for (const auto& cam : sim_.cameras()) {
    ports_[cam->config().id] = cam->port();
    addresses_[cam->config().id] = cam->config().address.to_string();
    paths_[cam->config().id] = cam->config().path;
  }
  control_port_ = sim_.control_port();
  thread_ = std::thread{[this] { sim_.run(); }};
}

running_fleet::~running_fleet() {
  sim_.stop();
  thread_.join();
}

std::string running_fleet::url(const std::string& id, const std::string& credentials) const {
  return "rtsp://" + (credentials.empty() ? "" : credentials + "@") + addresses_.at(id) + ":" +
         std::to_string(ports_.at(id)) + paths_.at(id);
}

boost::json::object running_fleet::camera(const std::string& id) const {
  auto reply = control_call(control_port_, "GET", "/cameras/" + id);
  REQUIRE(reply.status == 200);
  REQUIRE(reply.body.is_object());
  return reply.body.as_object();
}

std::int64_t running_fleet::counter(const std::string& id, const std::string& name) const {
  auto object = camera(id);
  REQUIRE(object.contains(name));
  return object.at(name).to_number<std::int64_t>();
}

std::int64_t running_fleet::await_counter(const std::string& id, const std::string& name,
                                          std::int64_t expected,
                                          std::chrono::milliseconds budget) const {
  auto deadline = std::chrono::steady_clock::now() + budget;
  auto value = counter(id, name);
  while (value != expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
    value = counter(id, name);
  }
  return value;
}

http_reply running_fleet::set_behaviour(const std::string& id,
                                        const std::string& behaviour_json) const {
  return control_call(control_port_, "POST", "/cameras/" + id + "/behaviour", behaviour_json);
}

} // namespace camfleet::camsim::test
