#!/usr/bin/env bash
# The demo: builds camfleetd, starts five real RTSP cameras (GStreamer's RTSP
# server) on loopback addresses standing in for two site subnets, plus one
# address that accepts connections and never answers, and runs camfleetd
# against them until Ctrl-C. Snapshots and the patrol log go to ./demo-output.
#
#   tools/demo.sh               patrol until Ctrl-C
#   tools/demo.sh --once        one patrol of every subnet, then exit
#   tools/demo.sh --seconds N   stop by itself after N seconds
#
# Everything stays on 127.1.125.0/24 and 127.1.126.0/24 (loopback).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${CAMFLEET_BUILD_DIR:-$root/build}

once=""
seconds=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --once) once="--once"; shift;;
    --seconds) seconds="$2"; shift 2;;
    *) echo "usage: tools/demo.sh [--once] [--seconds N]" >&2; exit 2;;
  esac
done

bash "$root/tools/build.sh" camfleetd
cd "$root"
mkdir -p demo-output

# The demo cameras require this account, as Tapo cameras require theirs.
export CAMFLEET_DEMO_PASSWORD="demo-pass"

server_log=demo-output/rtsp-server.log
/usr/bin/python3 tools/rtsp_test_server.py \
  --camera 127.1.125.10:8554 --camera 127.1.125.11:8554 --camera 127.1.125.12:8554 \
  --camera 127.1.126.10:8554 --camera 127.1.126.11:8554 --silent 127.1.126.19:8554 \
  --user camfleet --password "$CAMFLEET_DEMO_PASSWORD" \
  > "$server_log" 2>&1 < /dev/null &
server_pid=$!
daemon_pid=""
cleanup() {
  [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}
trap cleanup EXIT

for _ in $(seq 1 150); do
  grep -q '^ready' "$server_log" 2>/dev/null && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "demo: the RTSP test server failed to start:" >&2
    cat "$server_log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "demo: 5 cameras and 1 silent unit on 127.1.125.0/24 and 127.1.126.0/24;" \
     "snapshots in demo-output/snapshots, patrol log in demo-output/patrols.jsonl"

"$build_dir/fleet/camfleetd" --config tools/demo/gstreamer-camfleet.json $once &
daemon_pid=$!
if [ -n "$seconds" ]; then
  ( sleep "$seconds"; kill -TERM "$daemon_pid" 2>/dev/null ) &
fi
status=0
wait "$daemon_pid" || status=$?
daemon_pid=""
exit "$status"
