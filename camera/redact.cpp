#include "camera/redact.hpp"

#include "camera/rtsp_url.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace camfleet {

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::size_t ifind(std::string_view haystack, std::string_view needle, std::size_t from) {
  auto it = std::search(haystack.begin() + static_cast<std::ptrdiff_t>(from), haystack.end(),
                        needle.begin(), needle.end(),
                        [](char x, char y) { return lower(x) == lower(y); });
  return it == haystack.end() ? std::string_view::npos
                              : static_cast<std::size_t>(it - haystack.begin());
}

void replace_all(std::string& text, std::string_view needle) {
  if (needle.empty())
    return;
  for (auto pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + redacted_marker.size()))
    text.replace(pos, needle.size(), redacted_marker);
}

/// A character that cannot be part of a URL's authority as libav logs it.
bool ends_authority(char c) {
  return c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' || c == '<' || c == '>' ||
         std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool is_credential_scheme(std::string_view text, std::size_t separator) {
  static constexpr std::array<std::string_view, 4> schemes{"rtsp", "rtsps", "http", "https"};
  auto begin = separator;
  while (begin > 0 && std::isalpha(static_cast<unsigned char>(text[begin - 1])) != 0)
    --begin;
  auto scheme = text.substr(begin, separator - begin);
  return std::any_of(schemes.begin(), schemes.end(),
                     [&](std::string_view s) { return iequals(scheme, s); });
}

void redact_url_userinfo(std::string& text) {
  static constexpr std::string_view separator = "://";
  for (auto pos = text.find(separator); pos != std::string::npos; pos = text.find(separator, pos)) {
    auto authority = pos + separator.size();
    if (!is_credential_scheme(text, pos)) {
      pos = authority;
      continue;
    }
    auto end = authority;
    while (end < text.size() && !ends_authority(text[end]))
      ++end;
    // The last '@' ends the userinfo: an unencoded password may hold more.
    auto at = std::string_view{text}.substr(authority, end - authority).rfind('@');
    if (at != std::string_view::npos)
      text.replace(authority, at, redacted_marker);
    pos = authority;
  }
}

void redact_authorization_headers(std::string& text) {
  static constexpr std::string_view header = "authorization:";
  for (auto pos = ifind(text, header, 0); pos != std::string::npos;
       pos = ifind(text, header, pos + header.size())) {
    auto value = pos + header.size();
    auto end = text.find_first_of("\r\n", value);
    if (end == std::string::npos)
      end = text.size();
    text.replace(value, end - value, std::string{" "} + std::string{redacted_marker});
  }
}

std::string lower_hex(std::string text) {
  // Only the two digits after each '%' change; letters of the password stay.
  for (std::size_t i = 0; i + 2 < text.size(); ++i)
    if (text[i] == '%') {
      text[i + 1] = lower(text[i + 1]);
      text[i + 2] = lower(text[i + 2]);
    }
  return text;
}

} // namespace

std::string redact_credentials(std::string_view text, std::string_view password) {
  std::string result{text};
  if (!password.empty()) {
    // Longest form first, so that no form leaves a fragment of another behind.
    std::vector<std::string> forms{std::string{password}, percent_encode(password)};
    forms.push_back(lower_hex(forms.back()));
    std::sort(forms.begin(), forms.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const auto& form : forms)
      replace_all(result, form);
  }
  redact_authorization_headers(result);
  redact_url_userinfo(result);
  return result;
}

std::string redact_credentials(std::string_view text, const stream_endpoint& endpoint) {
  return redact_credentials(text, endpoint.password);
}

} // namespace camfleet
