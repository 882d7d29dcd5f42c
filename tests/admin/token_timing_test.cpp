// The admin token check takes the same time whatever the token: proven by
// counting, not timing. A probe program runs token_matches() once per
// candidate header under valgrind's callgrind, which counts the instructions
// executed inside that function alone (--toggle-collect) and writes one
// profile part per call (--dump-after); every wrong token, and the right one,
// must cost exactly as many instructions.

#include "tests/support/child_process.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <sys/wait.h>

using namespace camfleet;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

const std::string probe_path = CAMFLEET_BINARY_DIR "/tests/admin/token_timing_probe";
const std::string valgrind_path = "/usr/bin/valgrind";

struct probe_call {
  std::string answer;
  /// Instructions executed inside this call of token_matches().
  long long instructions = -1;
};

// Runs the probe under callgrind: one answer and one instruction total per
// header, in order.
std::vector<probe_call> count_instructions(const std::string& token,
                                           const std::vector<std::string>& authorizations) {
  char pattern[] = "/tmp/camfleet-callgrind-XXXXXX";
  fs::path dir = mkdtemp(pattern);
  // Callgrind writes one file per dump, callgrind.out.<pid>.<part>, only
  // under its default name, in the working directory: start it in `dir`.
  std::vector<std::string> argv{"/bin/sh",
                                "-c",
                                "cd \"$1\" && shift && exec \"$@\"",
                                "sh",
                                dir.string(),
                                valgrind_path,
                                "--tool=callgrind",
                                "--toggle-collect=*token_matches*",
                                "--dump-after=camfleet::token_matches*",
                                probe_path,
                                token};
  argv.insert(argv.end(), authorizations.begin(), authorizations.end());
  test::child_process probe{argv, test::child_process::stderr_mode::merge_into_stdout};
  std::vector<probe_call> calls;
  std::string line;
  std::string output;
  while (probe.read_line(line, 60s) == test::child_process::read_status::line) {
    output += line + "\n";
    if (line == "match" || line == "no match")
      calls.push_back({line, -1});
  }
  int status = probe.terminate(1000ms);
  INFO(output);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(calls.size() == authorizations.size());

  // Parts 1..n are the calls, in order; the last file, without a part
  // number, holds what ran after main returned (nothing collected).
  std::size_t part = 0;
  for (auto& call : calls) {
    ++part;
    std::ifstream in;
    for (const auto& entry : fs::directory_iterator{dir})
      if (entry.path().extension() == "." + std::to_string(part))
        in.open(entry.path());
    static const std::regex summary{R"(^summary: (\d+))"};
    std::smatch match;
    while (std::getline(in, line))
      if (std::regex_search(line, match, summary))
        call.instructions = std::stoll(match[1]);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return calls;
}

} // namespace

TEST_CASE("token_matches: the same instruction count whatever the token", "[admin][security]") {
  const std::string token = "s3cret-admin-token-0123456789abcdef";
  const std::string right = "Bearer " + token;
  auto last_byte_wrong = right;
  last_byte_wrong.back() ^= 1;
  auto first_token_byte_wrong = right;
  first_token_byte_wrong[7] ^= 1;

  const std::vector<std::pair<std::string, std::string>> candidates = {
      {"right", right},
      {"wrong first byte of the token", first_token_byte_wrong},
      {"wrong last byte", last_byte_wrong},
      {"wrong scheme", "Basic  " + token},
      {"one byte short", right.substr(0, right.size() - 1)},
      {"one byte long", right + "0"},
      {"the token alone", token},
      {"empty", ""},
      {"far longer", right + std::string(4000, 'x')},
      {"right again", right},
  };
  std::vector<std::string> headers;
  for (const auto& candidate : candidates)
    headers.push_back(candidate.second);

  auto calls = count_instructions(token, headers);
  const auto reference = calls[0].instructions;
  // The count covers a pass over the whole "Bearer <token>".
  REQUIRE(reference > static_cast<long long>(right.size()));
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto& [name, authorization] = candidates[i];
    INFO(name << ": \"" << authorization.substr(0, 60) << "\"");
    CHECK(calls[i].answer == (authorization == right ? "match" : "no match"));
    CHECK(calls[i].instructions == reference);
  }
}
