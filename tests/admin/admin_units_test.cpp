// Units of the console: the metrics text, camfleetctl's formatting and URL
// parsing, and the listen address parser.

#include "config/admin_config_reader.hpp"
#include "fleet/metrics.hpp"
#include "tools/camfleetctl/format.hpp"
#include "tools/camfleetctl/http_client.hpp"

#include <catch2/catch.hpp>

using namespace camfleet;

TEST_CASE("metrics: histogram buckets are cumulative with +Inf, sum and count", "[admin]") {
  histogram h{{0.5, 1, 5}};
  h.observe(0.2);
  h.observe(0.5);
  h.observe(3);
  h.observe(100);
  std::string out;
  h.render(out, "x");
  CHECK(out == "x_bucket{le=\"0.5\"} 2\n"
               "x_bucket{le=\"1\"} 2\n"
               "x_bucket{le=\"5\"} 3\n"
               "x_bucket{le=\"+Inf\"} 4\n"
               "x_sum 103.7\n"
               "x_count 4\n");
}

TEST_CASE("metrics: counters by outcome and failure kind, labels escaped", "[admin]") {
  fleet_metrics m;
  m.capture_finished("failed", "connect_timeout", 1500, true);
  m.capture_finished("failed", "connect_timeout", 500, true);
  m.capture_finished("skipped_backoff", "", 0, false);
  m.supervisor_restarted("yard \"north\"");
  m.forced_release();
  auto text = m.render();
  CHECK(text.find("camfleet_captures_total{outcome=\"failed\",failure_kind=\"connect_timeout\"} "
                  "2\n") != std::string::npos);
  CHECK(text.find("camfleet_captures_total{outcome=\"skipped_backoff\",failure_kind=\"\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("camfleet_capture_duration_seconds_count 2\n") != std::string::npos);
  CHECK(text.find("camfleet_capture_duration_seconds_sum 2\n") != std::string::npos);
  CHECK(text.find("camfleet_supervisor_restarts_total{subnet=\"yard \\\"north\\\"\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("camfleet_forced_releases_total 1\n") != std::string::npos);
  CHECK(m.forced_releases() == 1);
}

TEST_CASE("camfleetctl: durations for people", "[admin][console]") {
  using ctl::format_duration_ms;
  CHECK(format_duration_ms(-1) == "-");
  CHECK(format_duration_ms(0) == "0ms");
  CHECK(format_duration_ms(999) == "999ms");
  CHECK(format_duration_ms(4200) == "4.2s");
  CHECK(format_duration_ms(184000) == "3m04s");
  CHECK(format_duration_ms(7500000) == "2h05m");
  CHECK(format_duration_ms(273600000) == "3d04h");
}

TEST_CASE("camfleetctl: tables align, colour only when asked", "[admin][console]") {
  ctl::table t{{"A", "LONGER"}};
  t.add({{"wide cell", "32"}, {"x", ""}});
  CHECK(t.render(false) == "A          LONGER\nwide cell  x\n");
  CHECK(t.render(true).find("\x1b[32mwide cell\x1b[0m") != std::string::npos);
  CHECK(ctl::progress_bar(2, 4, 10) == "[#####.....]");
  CHECK(ctl::progress_bar(0, 0, 4) == "[....]");
}

TEST_CASE("camfleetctl: --url accepts http://IP:PORT only", "[admin][console]") {
  ctl::daemon_address address;
  CHECK(ctl::parse_url("http://127.0.0.1:8080/", address).empty());
  CHECK(address.host == "127.0.0.1");
  CHECK(address.port == "8080");
  CHECK(ctl::parse_url("http://[::1]:9", address).empty());
  CHECK(address.host == "::1");
  CHECK(!ctl::parse_url("https://127.0.0.1:8080", address).empty());
  CHECK(!ctl::parse_url("http://localhost:8080", address).empty());
  CHECK(!ctl::parse_url("http://127.0.0.1", address).empty());
  CHECK(!ctl::parse_url("http://127.0.0.1:80/v1", address).empty());
}

TEST_CASE("admin config: listen address parser", "[admin][config]") {
  std::string address;
  std::uint16_t port = 1;
  CHECK(parse_listen_address("127.0.0.2:0", address, port).empty());
  CHECK(address == "127.0.0.2");
  CHECK(port == 0);
  CHECK(!parse_listen_address("[::1:80", address, port).empty());
  CHECK(!parse_listen_address("127.0.0.1:-1", address, port).empty());
  CHECK(is_strict_loopback("::1"));
  CHECK(!is_strict_loopback("127.0.0.2"));
}
