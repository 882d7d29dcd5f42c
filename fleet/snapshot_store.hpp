// Where snapshots land on disk, written so that a reader never sees half a
// file: into a temporary file in the same directory, flushed, then renamed
// over latest.jpg (rename is atomic within one file system).

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace camfleet {

/// <snapshot_dir>/<subnet>/<camera>/latest.jpg
std::string snapshot_path(const std::string& snapshot_dir, const std::string& subnet,
                          const std::string& camera_id);

/// Writes `bytes` to `path` atomically, creating missing directories. Returns
/// nothing on success, else what failed, naming the file and the system error.
/// Never leaves its temporary file behind, whatever fails.
std::optional<std::string> write_file_atomically(const std::string& path,
                                                 const std::vector<std::uint8_t>& bytes);

/// Removes temporary files a killed process left below `snapshot_dir`
/// (names containing ".tmp-"); returns how many it removed.
std::size_t remove_stale_temporaries(const std::string& snapshot_dir);

} // namespace camfleet
