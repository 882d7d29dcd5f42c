#include "tools/camsim/auth.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <vector>

extern "C" {
#include <libavutil/base64.h>
#include <libavutil/md5.h>
}

namespace camfleet::camsim {

namespace {

bool istarts_with(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

// Compares without an early exit, so a wrong guess takes as long as a right one.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

} // namespace

std::string md5_hex(std::string_view text) {
  std::uint8_t digest[16];
  av_md5_sum(digest, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  static constexpr char hex[] = "0123456789abcdef";
  std::string result;
  for (auto byte : digest) {
    result += hex[byte >> 4];
    result += hex[byte & 0x0f];
  }
  return result;
}

std::string basic_challenge(std::string_view realm) {
  return "Basic realm=\"" + std::string{realm} + "\"";
}

std::string digest_challenge(std::string_view realm, std::string_view nonce) {
  return "Digest realm=\"" + std::string{realm} + "\", nonce=\"" + std::string{nonce} +
         "\", algorithm=\"MD5\"";
}

std::map<std::string, std::string> parse_auth_params(std::string_view text) {
  std::map<std::string, std::string> result;
  std::size_t pos = 0;
  auto skip_blanks = [&] {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == ','))
      ++pos;
  };
  for (skip_blanks(); pos < text.size(); skip_blanks()) {
    auto eq = text.find('=', pos);
    if (eq == std::string_view::npos)
      break;
    auto name = lower(std::string{text.substr(pos, eq - pos)});
    while (!name.empty() && name.back() == ' ')
      name.pop_back();
    pos = eq + 1;
    std::string value;
    if (pos < text.size() && text[pos] == '"') {
      // Quoted string; a backslash escapes the next character (RFC 2616 2.2).
      for (++pos; pos < text.size() && text[pos] != '"'; ++pos) {
        if (text[pos] == '\\' && pos + 1 < text.size())
          ++pos;
        value += text[pos];
      }
      ++pos;
    } else {
      auto end = text.find(',', pos);
      if (end == std::string_view::npos)
        end = text.size();
      value = std::string{text.substr(pos, end - pos)};
      while (!value.empty() && value.back() == ' ')
        value.pop_back();
      pos = end;
    }
    result.emplace(std::move(name), std::move(value));
  }
  return result;
}

bool verify_basic(std::string_view authorization, std::string_view username,
                  std::string_view password) {
  if (!istarts_with(authorization, "Basic "))
    return false;
  auto encoded = std::string{authorization.substr(6)};
  while (!encoded.empty() && encoded.front() == ' ')
    encoded.erase(0, 1);
  std::vector<std::uint8_t> decoded(encoded.size() + 1);
  auto size = av_base64_decode(decoded.data(), encoded.c_str(), static_cast<int>(decoded.size()));
  if (size < 0)
    return false;
  std::string_view plain{reinterpret_cast<const char*>(decoded.data()),
                         static_cast<std::size_t>(size)};
  auto expected = std::string{username} + ":" + std::string{password};
  return same(plain, expected);
}

bool verify_digest(std::string_view authorization, const digest_context& context) {
  if (!istarts_with(authorization, "Digest "))
    return false;
  auto params = parse_auth_params(authorization.substr(7));
  auto get = [&](const char* name) -> std::string {
    auto it = params.find(name);
    return it == params.end() ? std::string{} : it->second;
  };

  // The credential must answer this camera's challenge, not another's.
  if (get("username") != context.username || get("realm") != context.realm ||
      get("nonce") != context.nonce || get("uri").empty() || get("response").empty())
    return false;
  auto algorithm = lower(get("algorithm"));
  if (!algorithm.empty() && algorithm != "md5")
    return false;

  // RFC 2617, 3.2.2.1: request-digest with or without qop.
  auto ha1 = md5_hex(std::string{context.username} + ":" + std::string{context.realm} + ":" +
                     std::string{context.password});
  auto ha2 = md5_hex(std::string{context.method} + ":" + get("uri"));
  auto qop = get("qop");
  std::string expected;
  if (qop.empty())
    expected = md5_hex(ha1 + ":" + std::string{context.nonce} + ":" + ha2);
  else if (qop == "auth")
    expected = md5_hex(ha1 + ":" + std::string{context.nonce} + ":" + get("nc") + ":" +
                       get("cnonce") + ":" + qop + ":" + ha2);
  else
    return false;
  return same(lower(get("response")), expected);
}

} // namespace camfleet::camsim
