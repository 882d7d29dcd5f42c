#include "config/admin_config_reader.hpp"

#include <cstdlib>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace camfleet {

namespace {

// Long enough for any real token, short enough to keep headers bounded.
constexpr std::size_t max_token_length = 256;

std::string token_problem(const std::string& token) {
  if (token.empty())
    return "must not be empty";
  if (token.size() > max_token_length)
    return "must be at most " + std::to_string(max_token_length) + " characters";
  for (char c : token)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return "must be printable ASCII without spaces, as an HTTP header value";
  return "";
}

} // namespace

std::string parse_listen_address(const std::string& text, std::string& address,
                                 std::uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size())
    return "must be ADDRESS:PORT, as in \"127.0.0.1:8080\" or \"[::1]:8080\"";
  std::string host = text.substr(0, colon);
  std::string port_text = text.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.back() != ']')
      return "an IPv6 address must be written in brackets, as in \"[::1]:8080\"";
    host = host.substr(1, host.size() - 2);
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) != 1)
      return "\"" + host + "\" is not an IPv6 address";
  } else {
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) != 1)
      return "\"" + host +
             "\" is not an IPv4 address; write IPv6 in brackets and never a host name";
  }
  if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
    return "port \"" + port_text + "\" is not a number from 0 to 65535";
  auto number = std::strtoul(port_text.c_str(), nullptr, 10);
  if (number > 65535)
    return "port " + port_text + " is not a number from 0 to 65535";
  address = host;
  port = static_cast<std::uint16_t>(number);
  return "";
}

bool is_strict_loopback(const std::string& address) {
  return address == "127.0.0.1" || address == "::1";
}

void read_admin_settings(json_object_reader& reader, const env_lookup& env, admin_config& admin) {
  std::string listen;
  if (reader.read_string("listen", listen))
    if (auto why = parse_listen_address(listen, admin.address, admin.port); !why.empty())
      reader.problem("listen", why);

  std::string token;
  std::string env_name;
  bool has_token = reader.read_string("token", token);
  bool has_env = reader.read_string("token_env", env_name);
  if (has_token && has_env) {
    reader.problem("", "give at most one of token and token_env");
    return;
  }
  if (has_token) {
    if (auto why = token_problem(token); !why.empty()) {
      reader.problem("token", why);
      return;
    }
    admin.token = token;
    admin.token_source = "inline";
  } else if (has_env) {
    auto value = env ? env(env_name) : std::nullopt;
    if (!value) {
      reader.problem("token_env", "environment variable " + env_name + " is not set");
      return;
    }
    if (auto why = token_problem(*value); !why.empty()) {
      reader.problem("token_env", "the value of " + env_name + " " + why);
      return;
    }
    admin.token = *value;
    admin.token_source = "env:" + env_name;
  }

  if (admin.token.empty() && !is_strict_loopback(admin.address))
    reader.problem("listen", "listening on " + admin.address +
                                 " needs a bearer token: set token_env (or token); only "
                                 "127.0.0.1 and ::1 may go without one");
}

} // namespace camfleet
