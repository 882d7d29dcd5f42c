#!/usr/bin/env bash
# The test command: installs what is missing, builds everything with warnings
# as errors, and runs every test through CTest (unit, integration against
# GStreamer's RTSP server and camsim on loopback, end to end through the
# binaries). Extra arguments go to ctest, e.g. tools/run-tests.sh -R camsim.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${CAMFLEET_BUILD_DIR:-$root/build}

bash "$root/tools/build.sh"
cd "$build_dir"
# Serially: several tests assert release bounds (200 ms), which a second test
# hogging the two cores could stretch.
status=0
ctest --output-on-failure --timeout 600 "$@" || status=$?
# Format is checked after the tests, so a misplaced brace never hides a bug.
bash "$root/tools/check-format.sh" || status=1
exit "$status"
