// How camfleetctl shows things to people: aligned tables, durations, times,
// and colours only when stdout is a terminal.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace camfleet::ctl {

struct cell {
  std::string text;
  /// An ANSI SGR code such as "32" (green); empty for none. Used only when
  /// colours are on; alignment never counts it.
  std::string colour;
};

class table {
 public:
  explicit table(std::vector<std::string> headers);

  void add(std::vector<cell> row);
  std::size_t rows() const { return rows_.size(); }

  /// Columns padded to their widest cell, two spaces apart, one row a line.
  std::string render(bool colour) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<cell>> rows_;
};

/// "850ms", "4.2s", "3m04s", "2h05m", "3d04h"; "-" for a negative value.
std::string format_duration_ms(std::int64_t ms);

/// The colour of a camera state: idle green, connecting and capturing cyan,
/// backoff yellow, down red.
std::string state_colour(const std::string& state);

/// `text` wrapped in the SGR code when `colour` is on.
std::string paint(const std::string& text, const std::string& code, bool colour);

/// A bar of `width` characters, `done` of `total` filled: "[#####.....]".
std::string progress_bar(std::uint64_t done, std::uint64_t total, std::size_t width);

} // namespace camfleet::ctl
