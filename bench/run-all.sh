#!/usr/bin/env bash
# Runs every camfleet benchmark and writes docs/benchmarks.md (issue 5).
#
#   bench/run-all.sh [--runs N] [--count N] [--gop FRAMES]
#
# Installs what the benchmarks need (bench/install-bench-deps.sh), builds the
# daemon, camsim and the bench programs in Release into build-bench/ (or
# $BENCH_BUILD_DIR) with -j2, then runs bench/bench.py all. About 7 minutes on
# two cores, plus the build. Not part of the test suite: tools/run-tests.sh never runs it.
# Everything it starts listens on loopback and is stopped when it ends.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BENCH_BUILD_DIR:-$repo/build-bench}"

"$repo/bench/install-bench-deps.sh"
"$repo/bench/build.sh" "$build"
exec /usr/bin/python3 "$repo/bench/bench.py" all --build "$build" "$@"
