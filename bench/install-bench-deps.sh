#!/usr/bin/env bash
# Installs the Debian packages that camfleet's benchmarks need beyond
# tools/install-deps.sh (which it runs, with these added): the programs
# camfleet is compared with (the ffmpeg command line; gst-launch-1.0 with an
# H.264 parser and decoder) and the measuring tools (GNU time; perf for
# profiling). Idempotent: packages already present are left alone, and
# apt-get update runs only when something is missing. Run as root (or through
# sudo). Nothing here is needed to build or test camfleet.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../tools/install-deps.sh" \
  ffmpeg \
  gstreamer1.0-tools gstreamer1.0-plugins-bad gstreamer1.0-libav \
  time linux-perf
