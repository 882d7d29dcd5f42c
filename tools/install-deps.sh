#!/usr/bin/env bash
# Installs every Debian package that camfleet's build, tests and demo need.
# Idempotent: packages already present are left alone, and apt-get update runs
# only when something is missing. Run as root (or through sudo). Arguments are
# more packages to install the same way (bench/install-bench-deps.sh uses it).
set -euo pipefail

packages=(
  # toolchain
  g++ cmake make pkg-config clang-format git
  # actors
  libcaf-dev
  # capture
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
  # JSON, HTTP (Asio/Beast header-only, JSON compiled)
  libboost1.81-dev libboost-json1.81-dev
  # logging, tests, command lines
  libspdlog-dev catch2 libcli11-dev
  # a real RTSP server for the tests and the demo (GStreamer's, driven from Python)
  python3 python3-gi gir1.2-gst-rtsp-server-1.0
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly
  # a terminal for the tests of `camfleetctl top`
  tmux
  # the admin token check's constant-time proof counts instructions (callgrind)
  valgrind
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: every package is already installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${missing[@]}"
