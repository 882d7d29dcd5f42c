#!/usr/bin/env bash
# Installs camfleet's Debian packages (if missing), configures and builds.
#   tools/build.sh [TARGET...]     builds everything, or only the targets named
# The build goes to ./build (override with CAMFLEET_BUILD_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${CAMFLEET_BUILD_DIR:-$root/build}

bash "$root/tools/install-deps.sh"

cmake -S "$root" -B "$build_dir" -DCAMFLEET_WERROR=ON >/dev/null
jobs=$(nproc 2>/dev/null || echo 2)
if [ "$#" -eq 0 ]; then
  cmake --build "$build_dir" -j "$jobs"
else
  for target in "$@"; do
    cmake --build "$build_dir" -j "$jobs" --target "$target"
  done
fi
