#include "tools/camfleetctl/format.hpp"

#include <algorithm>
#include <cstdio>

namespace camfleet::ctl {

table::table(std::vector<std::string> headers) : headers_(std::move(headers)) {
  // Intentionally empty.
}

void table::add(std::vector<cell> row) {
  row.resize(headers_.size());
  rows_.push_back(std::move(row));
}

std::string table::render(bool colour) const {
  std::vector<std::size_t> widths;
  for (const auto& header : headers_)
    widths.push_back(header.size());
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], row[i].text.size());

  std::string out;
  auto line = [&](const std::vector<cell>& cells, bool bold) {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      bool last = i + 1 == cells.size();
      auto padding = last ? 0 : widths[i] - cells[i].text.size() + 2;
      auto code = bold ? std::string{"1"} : cells[i].colour;
      text += paint(cells[i].text, code, colour) + std::string(padding, ' ');
    }
    while (!text.empty() && text.back() == ' ')
      text.pop_back();
    out += text + "\n";
  };
  std::vector<cell> header_cells;
  for (const auto& header : headers_)
    header_cells.push_back(cell{header, ""});
  line(header_cells, true);
  for (const auto& row : rows_)
    line(row, false);
  return out;
}

std::string format_duration_ms(std::int64_t ms) {
  if (ms < 0)
    return "-";
  char text[32];
  if (ms < 1000)
    std::snprintf(text, sizeof(text), "%lldms", static_cast<long long>(ms));
  else if (ms < 60 * 1000)
    std::snprintf(text, sizeof(text), "%.1fs", static_cast<double>(ms) / 1000.0);
  else if (ms < 3600 * 1000)
    std::snprintf(text, sizeof(text), "%lldm%02llds", static_cast<long long>(ms / 60000),
                  static_cast<long long>(ms / 1000 % 60));
  else if (ms < 24LL * 3600 * 1000)
    std::snprintf(text, sizeof(text), "%lldh%02lldm", static_cast<long long>(ms / 3600000),
                  static_cast<long long>(ms / 60000 % 60));
  else
    std::snprintf(text, sizeof(text), "%lldd%02lldh", static_cast<long long>(ms / 86400000),
                  static_cast<long long>(ms / 3600000 % 24));
  return text;
}

std::string state_colour(const std::string& state) {
  if (state == "idle")
    return "32";
  if (state == "connecting" || state == "capturing")
    return "36";
  if (state == "backoff")
    return "33";
  return "31";
}

std::string paint(const std::string& text, const std::string& code, bool colour) {
  if (!colour || code.empty() || text.empty())
    return text;
  return "\x1b[" + code + "m" + text + "\x1b[0m";
}

std::string progress_bar(std::uint64_t done, std::uint64_t total, std::size_t width) {
  std::size_t filled = total == 0 ? 0 : static_cast<std::size_t>(done * width / total);
  filled = std::min(filled, width);
  return "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
}

} // namespace camfleet::ctl
