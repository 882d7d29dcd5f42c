#!/usr/bin/env bash
# Builds what the benchmarks run, in Release with warnings as errors:
# camfleetd, camsim and bench/'s programs, into BUILD (default build-bench/).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-${BENCH_BUILD_DIR:-$repo/build-bench}}"

cmake -S "$repo" -B "$build" -DCAMFLEET_WERROR=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target camfleetd camsim bench_snapshot bench_idle bench_release
