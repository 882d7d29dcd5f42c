#include "tests/admin/admin_fixture.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace camfleet::admin_test {

namespace json = boost::json;
using namespace std::chrono_literals;

temp_dir::temp_dir() {
  char pattern[] = "/tmp/camfleet-admin-XXXXXX";
  if (mkdtemp(pattern) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::trunc};
  out << text;
  REQUIRE(out.good());
}

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

camsim_fixture::camsim_fixture(const temp_dir& dir, const std::string& scenario_json) {
  auto scenario = dir.file("scenario.json");
  write_file(scenario, scenario_json);
  process_ = std::make_unique<camsim::test::camsim_process>(
      std::vector<std::string>{"--scenario", scenario, "--log-level", "error"});
  auto ready = process_->first_line(20s);
  INFO("camsim stderr: " << (ready ? "" : process_->error_output()));
  REQUIRE(ready);
  REQUIRE(ready->rfind("ready", 0) == 0);
  // "ready control=127.0.0.1:40123 cameras=2"
  auto at = ready->find("control=");
  REQUIRE(at != std::string::npos);
  auto end = ready->find(' ', at);
  control_ = ready->substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
}

json::value camsim_fixture::camera(const std::string& id) const {
  auto colon = control_.rfind(':');
  ctl::daemon_address address{control_.substr(0, colon), control_.substr(colon + 1)};
  auto result = ctl::call(address, "", "GET", "/cameras/" + id, "", 5s);
  INFO("camsim GET /cameras/" << id << ": " << result.error << " " << result.body);
  REQUIRE(result.reached);
  REQUIRE(result.status == 200);
  return json::parse(result.body);
}

void camsim_fixture::control(const std::string& method, const std::string& target,
                             const std::string& body) const {
  auto colon = control_.rfind(':');
  ctl::daemon_address address{control_.substr(0, colon), control_.substr(colon + 1)};
  auto result = ctl::call(address, "", method, target, body, 5s);
  INFO("camsim " << method << " " << target << ": " << result.error << " " << result.body);
  REQUIRE(result.reached);
  REQUIRE(result.status == 200);
}

run_result run_command(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& env,
                       std::chrono::milliseconds budget) {
  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);

  std::map<std::string, std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry{*e};
    auto eq = entry.find('=');
    if (eq != std::string::npos)
      environment[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [key, value] : env)
    environment[key] = value;
  std::vector<std::string> env_storage;
  for (const auto& [key, value] : environment)
    env_storage.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : env_storage)
    envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<std::string> arg_storage = argv;
  std::vector<char*> args;
  for (auto& arg : arg_storage)
    args.push_back(arg.data());
  args.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    throw std::runtime_error("cannot start " + argv[0]);
  }

  run_result result;
  auto deadline = std::chrono::steady_clock::now() + budget;
  std::array<pollfd, 2> fds{pollfd{out[0], POLLIN, 0}, pollfd{err[0], POLLIN, 0}};
  int open_fds = 2;
  bool killed = false;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0 && !killed) {
      kill(pid, SIGKILL);
      killed = true;
    }
    if (poll(fds.data(), fds.size(), killed ? 1000 : static_cast<int>(left)) <= 0) {
      if (killed)
        break;
      continue;
    }
    for (auto& fd : fds) {
      if (fd.fd < 0 || (fd.revents & (POLLIN | POLLHUP)) == 0)
        continue;
      char buffer[4096];
      auto n = read(fd.fd, buffer, sizeof(buffer));
      if (n <= 0) {
        close(fd.fd);
        fd.fd = -1;
        --open_fds;
        continue;
      }
      (fd.fd == out[0] ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
    }
  }
  for (auto& fd : fds)
    if (fd.fd >= 0)
      close(fd.fd);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string camfleetctl_path() {
  return CAMFLEET_BINARY_DIR "/tools/camfleetctl/camfleetctl";
}

daemon_fixture::daemon_fixture(const temp_dir& dir, const std::string& config_json,
                               const std::map<std::string, std::string>& env) {
  config_path_ = dir.file("fleet.json");
  log_path_ = dir.file("daemon.log");
  auto port_file = dir.file("admin.port");
  write_file(config_path_, config_json);

  // Through sh only to send the log to a file and set the environment; exec
  // keeps the daemon's pid, so terminate() signals camfleetd itself.
  std::string command = "exec";
  for (const auto& [key, value] : env)
    command += " " + key + "='" + value + "'";
  if (!env.empty())
    command = "exec env" + command.substr(4);
  command += std::string{" "} + CAMFLEET_BINARY_DIR "/fleet/camfleetd -c '" + config_path_ +
             "' --admin-port-file '" + port_file + "' 2>'" + log_path_ + "'";
  process_ =
      std::make_unique<test::child_process>(std::vector<std::string>{"/bin/sh", "-c", command});

  bool ready = eventually([&] { return !read_file(port_file).empty(); }, 15s);
  INFO("daemon log:\n" << log());
  REQUIRE(ready);
  port_ = static_cast<std::uint16_t>(std::stoul(read_file(port_file)));
}

daemon_fixture::~daemon_fixture() {
  process_->terminate(10s);
}

std::string daemon_fixture::log() const {
  return read_file(log_path_);
}

ctl::http_result daemon_fixture::call(const std::string& method, const std::string& target,
                                      const std::string& body, const std::string& token) const {
  ctl::daemon_address address{host_, std::to_string(port_)};
  auto result = ctl::call(address, token, method, target, body, 15s);
  INFO(method << " " << target << ": " << result.error);
  REQUIRE(result.reached);
  return result;
}

json::value daemon_fixture::get(const std::string& target, const std::string& token) const {
  auto result = call("GET", target, {}, token);
  INFO("GET " << target << " answered " << result.status << ": " << result.body);
  REQUIRE(result.status == 200);
  REQUIRE(result.content_type == "application/json");
  return json::parse(result.body);
}

run_result daemon_fixture::ctl(const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& env) const {
  std::vector<std::string> argv{camfleetctl_path(), "--url", url()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, env);
}

raw_connection::raw_connection(std::uint16_t port, std::chrono::milliseconds read_timeout) {
  // No Catch assertion here: clients run on threads of their own, and
  // Catch's assertions belong to the test's thread.
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    return;
  auto ms = read_timeout.count();
  timeval timeout{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>(ms % 1000 * 1000)};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

raw_connection::~raw_connection() {
  if (fd_ >= 0)
    close(fd_);
}

bool raw_connection::send_all(const std::string& bytes) {
  if (fd_ < 0)
    return false;
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::string raw_connection::read_all() {
  std::string answer;
  char buffer[4096];
  ssize_t n = 0;
  while (fd_ >= 0 && (n = recv(fd_, buffer, sizeof(buffer), 0)) > 0)
    answer.append(buffer, static_cast<std::size_t>(n));
  return answer;
}

bool raw_connection::closed_by_server() {
  if (fd_ < 0)
    return true;
  char byte = 0;
  auto n = recv(fd_, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  raw_connection connection{port, 10s};
  REQUIRE(connection.connected());
  connection.send_all(bytes); // the server may close before reading everything
  return connection.read_all();
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds budget) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition())
      return true;
    std::this_thread::sleep_for(50ms);
  }
  return condition();
}

const json::value& field(const json::value& v, const std::string& dotted) {
  static const json::value null_value;
  const json::value* current = &v;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    auto end = dotted.find('.', start);
    if (end == std::string::npos)
      end = dotted.size();
    auto key = dotted.substr(start, end - start);
    if (!current->is_object())
      return null_value;
    auto it = current->get_object().find(key);
    if (it == current->get_object().end())
      return null_value;
    current = &it->value();
    start = end + 1;
  }
  return *current;
}

std::int64_t number(const json::value& v, const std::string& dotted) {
  const auto& value = field(v, dotted);
  INFO("field " << dotted);
  REQUIRE(value.is_number());
  return value.to_number<std::int64_t>();
}

std::string text(const json::value& v, const std::string& dotted) {
  const auto& value = field(v, dotted);
  if (!value.is_string())
    return value.is_null() ? "null" : "";
  return std::string{value.get_string()};
}

const json::value& find_by(const json::value& v, const std::string& array_field,
                           const std::string& key, const std::string& id) {
  static const json::value null_value;
  const auto& array = field(v, array_field);
  if (!array.is_array())
    return null_value;
  for (const auto& item : array.get_array())
    if (text(item, key) == id)
      return item;
  return null_value;
}

} // namespace camfleet::admin_test
