#include "fleet/admin_request_checks.hpp"

#include "config/config_loader.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json/parse.hpp>

namespace camfleet {

namespace json = boost::json;

std::optional<admin_answer> check_name(const std::string& what, const std::string& name) {
  if (is_valid_name(name))
    return std::nullopt;
  return error_answer(400, "bad_request",
                      what + " names are 1 to 64 letters, digits, '-', '_' or '.', starting with "
                             "a letter or digit");
}

// Decodes %XX escapes; nothing for a malformed one.
std::optional<std::string> percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i] == '+' ? ' ' : text[i];
      continue;
    }
    if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(text[i + 2])))
      return std::nullopt;
    out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
    i += 2;
  }
  return out;
}

// Splits "a=1&b=2" and checks the keys against `allowed`.
std::variant<query_map, admin_answer> parse_query(const std::string& query,
                                                  const std::vector<std::string>& allowed) {
  query_map params;
  std::size_t start = 0;
  while (start < query.size()) {
    auto end = query.find('&', start);
    if (end == std::string::npos)
      end = query.size();
    auto pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string::npos ? "" : pair.substr(eq + 1));
    if (!key || !value)
      return error_answer(400, "bad_request", "malformed percent escape in the query string");
    if (std::find(allowed.begin(), allowed.end(), *key) == allowed.end()) {
      std::string list;
      for (const auto& name : allowed)
        list += (list.empty() ? "" : ", ") + name;
      return error_answer(400, "bad_request",
                          "unknown query parameter \"" + key->substr(0, 64) +
                              "\"; this path takes " + (list.empty() ? std::string{"none"} : list));
    }
    if (!params.emplace(*key, *value).second)
      return error_answer(400, "bad_request", "query parameter \"" + *key + "\" given twice");
  }
  return params;
}

// Acts take no parameters: an empty body or an empty JSON object.
std::optional<admin_answer> check_empty_body(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos)
    return std::nullopt;
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec)
    return error_answer(400, "bad_request",
                        "the body is not valid JSON (" + ec.message() +
                            "); this request takes an empty body or {}");
  if (!value.is_object() || !value.get_object().empty())
    return error_answer(400, "bad_request",
                        "this request takes no parameters: send an empty "
                        "body or {}");
  return std::nullopt;
}

bool token_matches(const std::string& authorization, const std::string& token) {
  // Fixed work whatever the client sent: one pass over the length of the
  // expected "Bearer <token>", every byte compared, no early exit, and a
  // length mismatch folded into the result rather than returned at once. Only
  // the expected token's length can be told from the time it takes
  // (tests/admin/token_timing_test.cpp counts the instructions).
  static constexpr char prefix[] = "Bearer ";
  constexpr std::size_t prefix_length = sizeof prefix - 1;
  const std::size_t expected_length = prefix_length + token.size();
  const std::size_t sent_length = authorization.size();
  // data()[0] is readable even in an empty string (its terminator).
  const char* sent = authorization.data();
  unsigned difference = static_cast<unsigned>(sent_length != expected_length);
  for (std::size_t i = 0; i < expected_length; ++i) {
    // Past the end of what was sent, read its first byte instead, without a
    // branch: the mask is all ones while i < sent_length, else zero.
    auto in_range = static_cast<std::size_t>(0) - static_cast<std::size_t>(i < sent_length);
    auto sent_byte = static_cast<unsigned char>(sent[i & in_range]);
    auto wanted =
        static_cast<unsigned char>(i < prefix_length ? prefix[i] : token[i - prefix_length]);
    difference |= static_cast<unsigned>(sent_byte ^ wanted);
  }
  return difference == 0;
}

} // namespace camfleet
