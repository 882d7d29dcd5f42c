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

/// Writes `bytes` to `path` atomically, creating missing directories below
/// `existing_root` (all of them when it is empty); `existing_root` itself must
/// exist. Returns nothing on success, else what failed, naming the file or
/// directory and the system error. Never leaves its temporary file behind,
/// whatever fails.
std::optional<std::string> write_file_atomically(const std::string& path,
                                                 const std::vector<std::uint8_t>& bytes,
                                                 const std::string& existing_root = {});

/// Writes a snapshot to `file`, a snapshot_path(), atomically. The snapshot
/// directory itself (three levels up) must exist, so that a vanished mount
/// point never fills the disk below it; the subnet and camera directories are
/// created as needed.
std::optional<std::string> write_snapshot(const std::string& file,
                                          const std::vector<std::uint8_t>& bytes);

/// At start: creates `snapshot_dir` if it is missing but its parent exists
/// (one level, as mkdir does, never a chain). Returns the problem when it
/// still does not exist or is not a directory.
std::optional<std::string> prepare_snapshot_dir(const std::string& snapshot_dir);

/// Removes temporary files a killed process left below `snapshot_dir`
/// (names containing ".tmp-"); returns how many it removed.
std::size_t remove_stale_temporaries(const std::string& snapshot_dir);

} // namespace camfleet
