// A running camfleetd with its admin interface, against camsim cameras, for
// the admin API, console, stuck and top tests. Everything it starts it
// stops in its destructor: the daemon, camsim and the temporary directory.

#pragma once

#include "tests/camsim/camsim_process.hpp"
#include "tests/support/child_process.hpp"
#include "tools/camfleetctl/http_client.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace camfleet::admin_test {

/// A fresh directory below /tmp, removed with everything in it.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

/// camsim serving `scenario_json`, ready when constructed.
class camsim_fixture {
 public:
  explicit camsim_fixture(const temp_dir& dir, const std::string& scenario_json);

  /// camsim's own counters for one camera (GET /cameras/{id} of its control API).
  boost::json::value camera(const std::string& id) const;

  /// A request to the control API that must answer 200 (e.g. a behaviour change).
  void control(const std::string& method, const std::string& target,
               const std::string& body = {}) const;

 private:
  std::unique_ptr<camsim::test::camsim_process> process_;
  /// "127.0.0.1:40123"
  std::string control_;
};

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `argv` (argv[0] a path) with the environment plus `env`, bounded by
/// `budget` (then killed); stdout and stderr captured.
run_result run_command(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& env = {},
                       std::chrono::milliseconds budget = std::chrono::milliseconds{30000});

/// The camfleetctl binary.
std::string camfleetctl_path();

/// camfleetd with `config_json` (written to the directory), its log in
/// "daemon.log" there, and its admin port read from the port file.
class daemon_fixture {
 public:
  daemon_fixture(const temp_dir& dir, const std::string& config_json,
                 const std::map<std::string, std::string>& env = {});
  ~daemon_fixture();

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://" + host_ + ":" + std::to_string(port_); }
  pid_t pid() const { return process_->pid(); }
  std::string log() const;
  std::string config_path() const { return config_path_; }

  /// One request; fails the test if the daemon does not answer.
  ctl::http_result call(const std::string& method, const std::string& target,
                        const std::string& body = {}, const std::string& token = {}) const;

  /// GET `target`, expecting 200 and JSON.
  boost::json::value get(const std::string& target, const std::string& token = {}) const;

  /// camfleetctl with --url set, and `args`.
  run_result ctl(const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env = {}) const;

  void set_host(const std::string& host) { host_ = host; }

 private:
  std::string config_path_;
  std::string log_path_;
  std::string host_ = "127.0.0.1";
  std::uint16_t port_ = 0;
  std::unique_ptr<test::child_process> process_;
};

/// A plain TCP connection to 127.0.0.1:`port`, for tests that must control
/// every byte a client sends and when; closed by its destructor.
class raw_connection {
 public:
  /// Connects; reads wait at most `read_timeout`. Asserts nothing, so
  /// that client threads may use it: check connected().
  raw_connection(std::uint16_t port, std::chrono::milliseconds read_timeout);
  ~raw_connection();
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  bool connected() const { return fd_ >= 0; }

  /// Sends all of `bytes`; false once the server has closed or reset.
  bool send_all(const std::string& bytes);

  /// Everything the server sends until it closes (or the read timeout).
  std::string read_all();

  /// Whether the server has closed its end: a read sees the end of the
  /// stream or a reset, without waiting.
  bool closed_by_server();

 private:
  int fd_ = -1;
};

/// Sends raw bytes on a fresh connection and returns the whole answer (the
/// server closes after an error).
std::string raw_exchange(std::uint16_t port, const std::string& bytes);

/// Polls `condition` every 50 ms until it holds or `budget` runs out.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds budget);

/// JSON helpers: a member by path such as "patrol.id", null if absent.
const boost::json::value& field(const boost::json::value& v, const std::string& dotted);
std::int64_t number(const boost::json::value& v, const std::string& dotted);
std::string text(const boost::json::value& v, const std::string& dotted);

/// The object in `array_field` of `v` whose "id" (or "name") is `id`.
const boost::json::value& find_by(const boost::json::value& v, const std::string& array_field,
                                  const std::string& key, const std::string& id);

} // namespace camfleet::admin_test
