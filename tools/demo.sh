#!/usr/bin/env bash
# The demo: camfleetd patrolling a built-in default fleet on loopback, until
# Ctrl-C. Installs what is missing and builds first.
#
#   tools/demo.sh                  camsim's fleet: nine simulated cameras on
#                                  three subnets, some of them sick
#                                  (tools/demo-camsim.sh says which and how)
#   tools/demo.sh --gstreamer      five real GStreamer RTSP cameras on two
#                                  subnets plus one that never answers
#   ... --once                     one patrol of every subnet, then exit
#   ... --seconds N                stop by itself after N seconds
#
# Everything stays on loopback: 127.2.0.0/16 for camsim's fleet, 127.1.125.0/24
# and 127.1.126.0/24 for the GStreamer one. Output goes to ./demo-output.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${CAMFLEET_BUILD_DIR:-$root/build}

fleet=camsim
once=""
seconds=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --gstreamer) fleet=gstreamer; shift;;
    --once) once="--once"; shift;;
    --seconds) seconds="$2"; shift 2;;
    *) echo "usage: tools/demo.sh [--gstreamer] [--once] [--seconds N]" >&2; exit 2;;
  esac
done

if [ "$fleet" = camsim ]; then
  exec bash "$root/tools/demo-camsim.sh" $once ${seconds:+--seconds "$seconds"}
fi

bash "$root/tools/build.sh" camfleetd camfleetctl
cd "$root"
out=demo-output/gstreamer
mkdir -p "$out"

# The demo cameras require this account, as Tapo cameras require theirs.
export CAMFLEET_DEMO_PASSWORD="demo-pass"

server_pid=""
daemon_pid=""
interrupted=""
stop_all() {
  # Ctrl-C reached camfleetd too (same process group), and a second signal
  # would make it exit without its TEARDOWNs: then only wait for it.
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    [ -n "$interrupted" ] || kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap stop_all EXIT
trap 'interrupted=1; exit 130' INT
trap 'exit 143' TERM

# The server in its own session, so that Ctrl-C stops the daemon first and
# the cameras still answer its TEARDOWNs.
setsid /usr/bin/python3 tools/rtsp_test_server.py \
  --camera 127.1.125.10:8554 --camera 127.1.125.11:8554 --camera 127.1.125.12:8554 \
  --camera 127.1.126.10:8554 --camera 127.1.126.11:8554 --silent 127.1.126.19:8554 \
  --user camfleet --password "$CAMFLEET_DEMO_PASSWORD" \
  > "$out/rtsp-server.log" 2>&1 < /dev/null &
server_pid=$!
for _ in $(seq 1 150); do
  grep -q '^ready' "$out/rtsp-server.log" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$out/rtsp-server.log" >&2; exit 1; }
  sleep 0.1
done
grep -q '^ready' "$out/rtsp-server.log" || { echo "the RTSP test server did not get ready" >&2; exit 1; }
echo "demo: 5 cameras and 1 silent unit on 127.1.125.0/24 and 127.1.126.0/24;" \
     "snapshots in $out/snapshots, patrol log in $out/patrols.jsonl" >&2

"$build_dir/fleet/camfleetd" --config tools/demo/gstreamer-camfleet.json $once &
daemon_pid=$!
if [ -n "$seconds" ]; then
  end=$((SECONDS + seconds))
  while [ "$SECONDS" -lt "$end" ] && kill -0 "$daemon_pid" 2>/dev/null; do sleep 1; done
  kill -TERM "$daemon_pid" 2>/dev/null || true
fi
status=0
wait "$daemon_pid" || status=$?
daemon_pid=""
echo "camfleetd exited with status $status" >&2
exit "$status"
