// The web pages' files (fleet/web/), compiled into camfleetd by
// cmake/embed_web_assets.cmake: no path to install, nothing read at run time.

#pragma once

#include <cstddef>
#include <string>

namespace camfleet {

struct web_asset {
  /// The file name in fleet/web/, e.g. "fleet.js".
  const char* name;
  const char* content_type;
  /// A quoted hash of the bytes, for ETag and If-None-Match.
  const char* etag;
  const unsigned char* data;
  std::size_t size;
};

extern const web_asset web_assets[];
extern const std::size_t web_asset_count;

/// The asset called `name`, or nullptr.
const web_asset* find_web_asset(const std::string& name);

} // namespace camfleet
