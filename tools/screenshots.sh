#!/usr/bin/env bash
# Regenerates the README's pictures of the web pages,
# docs/screenshots/fleet.png and camera.png: camsim's demo fleet and camfleetd
# on loopback, photographed in headless Chromium (Debian's) by
# tests/web/screenshots.js. Installs and builds what is missing first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${CAMFLEET_BUILD_DIR:-$root/build}

bash "$root/tools/build.sh" camsim camfleetd
web="$build_dir/tests/web"
# playwright-core as the web tests install it (tests/web/package-lock.json).
npm ci --no-audit --no-fund --prefix "$web" >/dev/null
mkdir -p "$root/docs/screenshots"
NODE_PATH="$web/node_modules" \
CAMFLEET_CAMSIM="$build_dir/tools/camsim/camsim" \
CAMFLEET_CAMFLEETD="$build_dir/fleet/camfleetd" \
CAMFLEET_WEB_WORK="$web/work" \
CAMFLEET_WEB_ARTIFACTS="$web/artifacts" \
  node "$root/tests/web/screenshots.js" "$root/docs/screenshots"
