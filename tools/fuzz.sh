#!/usr/bin/env bash
# Runs one libFuzzer target for as long as you like (the test command runs each
# for CAMFLEET_FUZZ_SECONDS only):
#   tools/fuzz.sh TARGET [SECONDS] [libFuzzer flags...]
# TARGET is config, rtsp_request, admin or capture (tests/fuzz/). SECONDS
# defaults to 600; 0 runs until Ctrl-C. Builds with clang-14 into
# build-fuzz (override with CAMFLEET_FUZZ_BUILD_DIR). New inputs go to the
# build's corpus; a crash's input is left in <build>/fuzz-artifacts/TARGET/,
# and belongs, once fixed, in tests/data/fuzz/TARGET/regressions/ (the
# replay tests of every build then run it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
targets="config rtsp_request admin capture"
if [ "$#" -lt 1 ] || ! [[ " $targets " == *" $1 "* ]]; then
  echo "usage: tools/fuzz.sh TARGET [SECONDS] [libFuzzer flags...]; TARGET: ${targets// /, }" >&2
  exit 2
fi
target=$1
seconds=${2:-600}
shift $(($# >= 2 ? 2 : 1))
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
  echo "fuzz.sh: SECONDS must be a whole number, found '$seconds'" >&2
  exit 2
fi
dir=${CAMFLEET_FUZZ_BUILD_DIR:-$root/build-fuzz}

bash "$root/tools/install-deps.sh"
CXX=clang++-14 cmake -S "$root" -B "$dir" -DCAMFLEET_FUZZ=ON >/dev/null
cmake --build "$dir" -j 2 --target "fuzz_$target"
# shellcheck source=tools/sanitizer-env.sh
source "$root/tools/sanitizer-env.sh"
camfleet_sanitizer_env fuzz ""

# As tests/fuzz/CMakeLists.txt's FULL_UNWIND: stacks through libav, so that
# lsan.supp's entry for libav's own leak can match.
if [ "$target" = capture ]; then
  export ASAN_OPTIONS=$ASAN_OPTIONS:fast_unwind_on_malloc=0
fi

corpus=$dir/fuzz-corpus/$target
artifacts=$dir/fuzz-artifacts/$target
mkdir -p "$corpus" "$artifacts"
status=0
"$dir/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" \
  "$corpus" "$root/tests/data/fuzz/$target" || status=$?
if [ "$status" -ne 0 ]; then
  echo "fuzz.sh: $target found a problem; its input is in $artifacts/." >&2
  echo "fuzz.sh: once fixed, copy it to tests/data/fuzz/$target/regressions/<what-broke>." >&2
fi
exit "$status"
