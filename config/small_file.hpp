// Reading the small files the configuration names (the configuration itself,
// password files) without ever blocking and within a size bound.
//
// The fleet root rereads them on reload: a FIFO in their place would block
// it in open(2) or read(2) forever, while every supervisor's patrol reports
// pile up in its mailbox; /dev/zero or a runaway file would fill memory.

#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace camfleet {

struct small_file {
  /// The whole file, when it could be read.
  std::optional<std::string> content;
  /// Why not, naming the file: "\"/etc/x\" is not a regular file", ...
  std::string error;
};

/// Reads `path` if it is a regular file of at most `max_bytes`. Opens it
/// non-blocking, so a FIFO or a device is refused at once.
small_file read_small_file(const std::string& path, std::size_t max_bytes);

} // namespace camfleet
