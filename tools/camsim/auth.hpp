// RTSP authentication as cameras do it: Basic (RFC 7617) and Digest with MD5
// (RFC 2617), both answered with a 401 and a WWW-Authenticate challenge.
//
// The realm is TP-Link's, "TP-Link IP-Camera", because Tapo firmware is what
// camfleet meets most. MD5 and Base64 come from libavutil.

#pragma once

#include <map>
#include <string>
#include <string_view>

namespace camfleet::camsim {

inline constexpr std::string_view tplink_realm = "TP-Link IP-Camera";

/// Lower-case hex MD5 of `text`.
std::string md5_hex(std::string_view text);

/// `Basic realm="..."`.
std::string basic_challenge(std::string_view realm);

/// `Digest realm="...", nonce="...", algorithm="MD5"`; no qop is offered, as
/// Tapo does, but a response computed with qop=auth is accepted too.
std::string digest_challenge(std::string_view realm, std::string_view nonce);

/// The parameters of a Digest credential: `username="a", nc=00000001` ->
/// {username: a, nc: 00000001}. Names are lower-cased.
std::map<std::string, std::string> parse_auth_params(std::string_view text);

/// True when `authorization` (the whole header value) is Basic and carries
/// exactly these credentials.
bool verify_basic(std::string_view authorization, std::string_view username,
                  std::string_view password);

struct digest_context {
  std::string_view method;
  std::string_view realm;
  std::string_view nonce;
  std::string_view username;
  std::string_view password;
};

/// True when `authorization` is a Digest credential for this user, realm and
/// nonce whose response matches RFC 2617 (with or without qop=auth).
bool verify_digest(std::string_view authorization, const digest_context& context);

} // namespace camfleet::camsim
