// Replays fuzz inputs without libFuzzer: every file named on the command line
// (or found in a directory named there, recursively) goes once through the
// target's LLVMFuzzerTestOneInput. The normal and sanitized gcc builds use it
// to run the seeds and every regression input found by fuzzing, so a fixed
// crash stays fixed without clang.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace {

namespace fs = std::filesystem;

bool replay(const fs::path& file) {
  std::ifstream in{file, std::ios::binary};
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
    return false;
  }
  std::vector<char> bytes{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
  // A copy of exactly the input's size, so that ASan sees a read past its end.
  std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(input.data(), input.size());
  return true;
}

} // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
    return 2;
  }
  std::size_t replayed = 0;
  bool all_read = true;
  for (int i = 1; i < argc; ++i) {
    fs::path arg{argv[i]};
    std::error_code error;
    if (fs::is_directory(arg, error)) {
      for (const auto& entry : fs::recursive_directory_iterator{arg})
        if (entry.is_regular_file()) {
          all_read = replay(entry.path()) && all_read;
          ++replayed;
        }
    } else {
      all_read = replay(arg) && all_read;
      ++replayed;
    }
  }
  std::fprintf(stderr, "replay: %zu inputs\n", replayed);
  // An empty corpus proves nothing: fail instead of passing vacuously.
  return all_read && replayed > 0 ? 0 : 1;
}
