// Runs the admin API's token check once per header given, for
// tests/admin/token_timing_test.cpp to count each call's instructions under
// callgrind (--dump-after writes one profile part per call):
//   token_timing_probe EXPECTED_TOKEN AUTHORIZATION_HEADER...
// Prints "match" or "no match" per header, in order.

#include "fleet/admin_request_checks.hpp"

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: token_timing_probe EXPECTED_TOKEN AUTHORIZATION_HEADER...\n");
    return 2;
  }
  std::string token = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string authorization = argv[i];
    bool match = camfleet::token_matches(authorization, token);
    std::printf("%s\n", match ? "match" : "no match");
  }
  return 0;
}
