#include "fleet/patrol_report_json.hpp"

#include "fleet/iso_time.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace camfleet {

namespace {

std::chrono::system_clock::time_point from_epoch_ms(std::int64_t ms) {
  return std::chrono::system_clock::time_point{std::chrono::milliseconds{ms}};
}

} // namespace

std::string to_json_line(const patrol_report& report) {
  boost::json::array cameras;
  for (const auto& camera : report.cameras) {
    boost::json::object entry;
    entry["camera"] = camera.camera_id;
    entry["outcome"] = to_string(camera.outcome);
    if (!camera.failure.empty())
      entry["failure"] = camera.failure;
    if (!camera.detail.empty())
      entry["detail"] = camera.detail;
    entry["duration_ms"] = camera.duration_ms;
    if (camera.outcome == patrol_outcome::captured) {
      entry["bytes"] = camera.snapshot_bytes;
      entry["width"] = camera.width;
      entry["height"] = camera.height;
    }
    cameras.push_back(std::move(entry));
  }

  boost::json::object line;
  line["subnet"] = report.subnet;
  line["patrol"] = report.patrol_id;
  line["started_at"] = format_iso8601(from_epoch_ms(report.started_at_ms));
  line["ended_at"] = format_iso8601(from_epoch_ms(report.ended_at_ms));
  line["duration_ms"] = report.duration_ms;
  line["deadline_reached"] = report.deadline_reached;
  line["captured"] = report.count(patrol_outcome::captured);
  line["cameras"] = std::move(cameras);
  return boost::json::serialize(line);
}

} // namespace camfleet
