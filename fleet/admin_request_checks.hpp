// Checks on the parts of an admin request that come from the client: names
// in paths, query strings, bodies of acts, and the bearer token. Each returns
// the error answer to send, or nothing when the part is acceptable.

#pragma once

#include "fleet/admin_routes.hpp"

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace camfleet {

using query_map = std::map<std::string, std::string>;

/// 400 unless `name` is a valid camera id or subnet name; `what` names it.
std::optional<admin_answer> check_name(const std::string& what, const std::string& name);

/// Decodes %XX escapes and '+'; nothing for a malformed escape.
std::optional<std::string> percent_decode(const std::string& text);

/// Splits "a=1&b=2", refusing keys not in `allowed`, repeated keys and bad
/// escapes.
std::variant<query_map, admin_answer> parse_query(const std::string& query,
                                                  const std::vector<std::string>& allowed);

/// Acts take no parameters: 400 unless `body` is empty or an empty object.
std::optional<admin_answer> check_empty_body(const std::string& body);

/// Whether `authorization` is "Bearer <token>", compared in constant time.
bool token_matches(const std::string& authorization, const std::string& token);

} // namespace camfleet
