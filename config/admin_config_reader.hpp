// Reads the "admin" object of the configuration: where the inspection
// console's HTTP interface listens and which bearer token it requires.
//
//   "admin": {"listen": "127.0.0.1:8080", "token_env": "CAMFLEET_ADMIN_TOKEN"}
//
// Loopback is 127.0.0.1 and ::1, strictly: any other listen address, even
// 127.0.0.2, needs a token (inline "token" or "token_env"), and a file that
// asks for one without a token is refused, so camfleetd never starts an open
// admin interface by mistake.

#pragma once

#include "config/config_loader.hpp"
#include "config/json_object_reader.hpp"

#include <string>

namespace camfleet {

/// Reads `reader`'s object into `admin`, reporting problems at their paths.
void read_admin_settings(json_object_reader& reader, const env_lookup& env, admin_config& admin);

/// Splits "ADDR:PORT" or "[ADDR6]:PORT"; returns why not, or "" on success.
std::string parse_listen_address(const std::string& text, std::string& address,
                                 std::uint16_t& port);

/// True for 127.0.0.1 and ::1 only.
bool is_strict_loopback(const std::string& address);

} // namespace camfleet
