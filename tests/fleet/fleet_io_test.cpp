#include "fleet/iso_time.hpp"
#include "fleet/logging.hpp"
#include "fleet/patrol_log_file.hpp"
#include "fleet/patrol_report_json.hpp"
#include "fleet/snapshot_store.hpp"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <spdlog/details/log_msg.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace camfleet;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

struct temporary_directory {
  fs::path path;
  temporary_directory() {
    char pattern[] = "/tmp/camfleet-io-XXXXXX";
    path = mkdtemp(pattern);
  }
  ~temporary_directory() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, ec);
    fs::remove_all(path, ec);
  }
};

// Runs a test under a given TZ and restores the previous one.
struct time_zone {
  std::string previous;
  bool had_previous;
  explicit time_zone(const char* tz) {
    auto current = std::getenv("TZ");
    had_previous = current != nullptr;
    if (had_previous)
      previous = current;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~time_zone() {
    if (had_previous)
      ::setenv("TZ", previous.c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }
};

std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for (auto& entry : fs::recursive_directory_iterator{dir})
    n += entry.is_regular_file() ? 1 : 0;
  return n;
}

} // namespace

TEST_CASE("iso_time: local time with an explicit offset", "[fleet]") {
  // 2026-12-04T07:09:14.123Z
  auto at = std::chrono::system_clock::time_point{1796368154123ms};
  SECTION("east of UTC, as at the site of the incident") {
    time_zone tz{"Asia/Tokyo"};
    CHECK(format_iso8601(at) == "2026-12-04T16:09:14.123+09:00");
  }
  SECTION("UTC still spells its offset") {
    time_zone tz{"UTC"};
    CHECK(format_iso8601(at) == "2026-12-04T07:09:14.123+00:00");
  }
  SECTION("west of UTC, with minutes") {
    time_zone tz{"America/St_Johns"};
    CHECK(format_iso8601(at) == "2026-12-04T03:39:14.123-03:30");
  }
}

TEST_CASE("patrol_report_json: one line with every camera", "[fleet]") {
  time_zone tz{"UTC"};
  patrol_report report;
  report.subnet = "site-a";
  report.patrol_id = 7;
  report.started_at_ms = 1796368154000;
  report.ended_at_ms = 1796368156500;
  // Measured on the monotonic clock: not the difference of the wall times.
  report.duration_ms = 2480;
  report.deadline_reached = true;
  capture_report captured;
  captured.camera_id = "door";
  captured.outcome = patrol_outcome::captured;
  captured.duration_ms = 190;
  captured.snapshot_bytes = 17000;
  captured.width = 640;
  captured.height = 360;
  capture_report failed;
  failed.camera_id = "c110";
  failed.outcome = patrol_outcome::failed;
  failed.failure = "no_key_frame";
  failed.detail = "a \"quoted\"\nmessage";
  report.cameras = {captured, failed};

  auto line = to_json_line(report);
  CHECK(line.find('\n') == std::string::npos);
  auto json = boost::json::parse(line).as_object();
  CHECK(json["subnet"] == "site-a");
  CHECK(json["patrol"] == 7);
  CHECK(json["started_at"] == "2026-12-04T07:09:14.000+00:00");
  CHECK(json["duration_ms"] == 2480);
  CHECK(json["captured"] == 1);
  auto& cameras = json["cameras"].as_array();
  REQUIRE(cameras.size() == 2);
  CHECK(cameras[0].at("width") == 640);
  CHECK(cameras[1].at("failure") == "no_key_frame");
  CHECK(cameras[1].at("detail") == "a \"quoted\"\nmessage");
  CHECK_FALSE(cameras[1].as_object().contains("width"));
}

TEST_CASE("snapshot_store: atomic writes leave no temporary file", "[fleet]") {
  temporary_directory dir;
  auto path = snapshot_path(dir.path.string(), "site-a", "door");
  CHECK(path == (dir.path / "site-a" / "door" / "latest.jpg").string());

  SECTION("a write creates the directories and replaces the file whole") {
    REQUIRE_FALSE(write_file_atomically(path, {1, 2, 3}));
    REQUIRE_FALSE(write_file_atomically(path, {4, 5}));
    CHECK(fs::file_size(path) == 2);
    CHECK(files_in(dir.path) == 1);
  }

  SECTION("an unwritable directory is an error naming it, and nothing is left") {
    fs::create_directories(fs::path{path}.parent_path());
    fs::permissions(fs::path{path}.parent_path(), fs::perms::owner_read | fs::perms::owner_exec);
    if (::geteuid() == 0) {
      // root writes anywhere; make the file system full instead.
      std::signal(SIGXFSZ, SIG_IGN);
      rlimit previous{};
      ::getrlimit(RLIMIT_FSIZE, &previous);
      rlimit tiny{1, previous.rlim_max};
      ::setrlimit(RLIMIT_FSIZE, &tiny);
      auto error = write_file_atomically(path, std::vector<std::uint8_t>(4096, 7));
      ::setrlimit(RLIMIT_FSIZE, &previous);
      REQUIRE(error);
      CHECK(error->find("cannot write") != std::string::npos);
    } else {
      auto error = write_file_atomically(path, {1});
      REQUIRE(error);
      CHECK(error->find("cannot create") != std::string::npos);
    }
    CHECK(files_in(dir.path) == 0);
  }

  SECTION("stale temporaries of a killed run are removed") {
    fs::create_directories(dir.path / "site-a" / "door");
    std::ofstream{dir.path / "site-a" / "door" / "latest.jpg.tmp-123-0"} << "half";
    std::ofstream{dir.path / "site-a" / "door" / "latest.jpg"} << "whole";
    CHECK(remove_stale_temporaries(dir.path.string()) == 1);
    CHECK(files_in(dir.path) == 1);
  }
}

TEST_CASE("snapshot_store: the snapshot directory itself must exist", "[fleet]") {
  temporary_directory dir;
  auto root = dir.path / "snapshots";
  auto file = snapshot_path(root.string(), "site-a", "door");

  SECTION("a missing snapshot directory is not created, and the error names it") {
    auto error = write_snapshot(file, {1, 2, 3});
    REQUIRE(error);
    CHECK(*error == "snapshot directory \"" + root.string() + "\": No such file or directory");
    CHECK_FALSE(fs::exists(root));
  }

  SECTION("below it, the subnet and camera directories are created") {
    fs::create_directory(root);
    REQUIRE_FALSE(write_snapshot(file, {1, 2, 3}));
    CHECK(fs::file_size(file) == 3);
  }

  SECTION("a regular file in place of a subnet directory fails that subnet only") {
    fs::create_directory(root);
    std::ofstream{root / "site-a"} << "not a directory";
    auto error = write_snapshot(file, {1});
    REQUIRE(error);
    CHECK(error->find((root / "site-a").string()) != std::string::npos);
    CHECK_FALSE(write_snapshot(snapshot_path(root.string(), "site-b", "door"), {1}));
    CHECK(files_in(dir.path) == 2);
  }

  SECTION("at start, one missing level is created, never a chain") {
    CHECK_FALSE(prepare_snapshot_dir(root.string()));
    CHECK(fs::is_directory(root));
    auto deeper = dir.path / "unmounted" / "snapshots";
    auto problem = prepare_snapshot_dir(deeper.string());
    REQUIRE(problem);
    CHECK(problem->find(deeper.string()) != std::string::npos);
    CHECK(problem->find("No such file or directory") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.path / "unmounted"));
  }
}

TEST_CASE("patrol_log_file: a torn last line is cut off when the log is opened", "[fleet]") {
  temporary_directory dir;
  auto log = dir.path / "patrols.jsonl";
  auto contents = [&] {
    std::ifstream in{log, std::ios::binary};
    return std::string{std::istreambuf_iterator<char>{in}, {}};
  };

  SECTION("complete lines stay; the unterminated tail goes; appends continue after them") {
    std::ofstream{log, std::ios::binary} << "{\"patrol\":1}\n{\"patrol\":2}\n{\"pat";
    {
      patrol_log_file file{log.string()};
      REQUIRE(file.is_open());
      CHECK(contents() == "{\"patrol\":1}\n{\"patrol\":2}\n");
      file.append_line("{\"patrol\":3}");
    }
    CHECK(contents() == "{\"patrol\":1}\n{\"patrol\":2}\n{\"patrol\":3}\n");
  }

  SECTION("repair_torn_tail says where it cut and how much") {
    // A torn line longer than the block the repair reads backwards.
    std::string torn(100 * 1024, 'x');
    std::ofstream{log, std::ios::binary} << "{}\n" << torn;
    int fd = ::open(log.c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    auto repaired = repair_torn_tail(fd);
    ::close(fd);
    REQUIRE(repaired);
    CHECK(repaired->offset == 3);
    CHECK(repaired->bytes_removed == torn.size());
    CHECK(contents() == "{}\n");
  }

  SECTION("a line cut short by a file size limit is taken back, so the next one is whole") {
    std::ofstream{log, std::ios::binary} << "{\"patrol\":1}\n";
    patrol_log_file file{log.string()};
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit previous{};
    ::getrlimit(RLIMIT_FSIZE, &previous);
    rlimit limit{fs::file_size(log) + 5, previous.rlim_max};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    file.append_line("{\"patrol\":2,\"cameras\":[]}");
    ::setrlimit(RLIMIT_FSIZE, &previous);
    CHECK(contents() == "{\"patrol\":1}\n");
    file.append_line("{\"patrol\":3}");
    CHECK(contents() == "{\"patrol\":1}\n{\"patrol\":3}\n");
  }

  SECTION("a single torn line leaves an empty log; a whole or empty log is left alone") {
    std::ofstream{log, std::ios::binary} << "{\"pat";
    { patrol_log_file file{log.string()}; }
    CHECK(contents().empty());
    { patrol_log_file file{log.string()}; }
    CHECK(contents().empty());
    std::ofstream{log, std::ios::binary} << "{}\n";
    { patrol_log_file file{log.string()}; }
    CHECK(contents() == "{}\n");
  }
}

TEST_CASE("logging: the JSON formatter writes one object per line with the offset", "[fleet]") {
  auto formatter = make_json_log_formatter();
  spdlog::details::log_msg msg{"camfleet", spdlog::level::warn, "camera=\"door\" said\tno"};
  spdlog::memory_buf_t out;
  formatter->format(msg, out);
  std::string line{out.data(), out.size()};
  REQUIRE(line.back() == '\n');
  auto json = boost::json::parse(line).as_object();
  CHECK(json["level"] == "warning");
  CHECK(json["message"] == "camera=\"door\" said\tno");
  CHECK(std::regex_match(std::string{json["time"].as_string()},
                         std::regex{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d)"}));
}
