#!/usr/bin/env bash
# The demo: camfleetd patrolling a built-in default fleet on loopback, until
# Ctrl-C. Installs what is missing and builds first. Output goes to
# ./demo-output/<fleet>.
#
#   tools/demo.sh                  camsim's fleet (tools/demo/camsim-fleet.json):
#                                  nine simulated cameras on three subnets in
#                                  127.2.0.0/16, some of them sick:
#     - yard-c110 (Tapo C110) stalls mid-stream for 40 s of every 80: its capture
#       fails at the capture budget, it backs off, its stale sessions fill both
#       slots (453), and it recovers once they expire;
#     - gate-vigi blackholes for 25 s of every 50: connect timeouts, back-off,
#       recovery;
#     - dock-c310's slots are taken by "another client" for the first minute.
#     camsim's counters while it runs: curl -s 127.0.0.1:18554/cameras
#   tools/demo.sh --gstreamer      five real GStreamer RTSP cameras on
#                                  127.1.125.0/24 and 127.1.126.0/24, plus one
#                                  that accepts connections and never answers
#   ... --once                     one patrol of every subnet, then exit
#   ... --seconds N                stop by itself after N seconds
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

bash "$root/tools/build.sh" camsim camfleetd camfleetctl
cd "$root"
out=demo-output/$fleet
mkdir -p "$out"

# The demo cameras' account; camfleetd reads it from the environment, as a
# real deployment should rather than from the configuration file.
export CAMFLEET_DEMO_PASSWORD=demo-pass

fleet_pid=""
daemon_pid=""
interrupted=""
stop_all() {
  # Ctrl-C reached camfleetd too (same process group), and a second signal
  # would make it exit without its TEARDOWNs: then only wait for it.
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    [ -n "$interrupted" ] || kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  if [ -n "$fleet_pid" ] && kill -0 "$fleet_pid" 2>/dev/null; then
    kill -TERM "$fleet_pid" 2>/dev/null || true
    wait "$fleet_pid" 2>/dev/null || true
  fi
}
trap stop_all EXIT
trap 'interrupted=1; exit 130' INT
trap 'exit 143' TERM

# The cameras run in their own session, so that Ctrl-C stops the daemon first
# and the cameras still answer its TEARDOWNs. Their stdout (the ready line,
# and the GStreamer server's connection events) goes to one file, their log
# to another.
ready="$out/cameras.out"
log="$out/cameras.log"
if [ "$fleet" = camsim ]; then
  config=tools/demo/camfleet.json
  setsid "$build_dir/tools/camsim/camsim" --scenario tools/demo/camsim-fleet.json \
    --control 127.0.0.1:18554 > "$ready" 2> "$log" < /dev/null &
else
  config=tools/demo/gstreamer-camfleet.json
  setsid /usr/bin/python3 tools/rtsp_test_server.py \
    --camera 127.1.125.10:8554 --camera 127.1.125.11:8554 --camera 127.1.125.12:8554 \
    --camera 127.1.126.10:8554 --camera 127.1.126.11:8554 --silent 127.1.126.19:8554 \
    --user camfleet --password "$CAMFLEET_DEMO_PASSWORD" > "$ready" 2> "$log" < /dev/null &
fi
fleet_pid=$!
for _ in $(seq 1 150); do
  grep -q '^ready' "$ready" 2>/dev/null && break
  kill -0 "$fleet_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
grep -q '^ready' "$ready" || { echo "demo: the $fleet cameras did not get ready" >&2; exit 1; }
echo "demo: $fleet cameras ready ($(head -n 1 "$ready")); their log: $log" >&2

"$build_dir/fleet/camfleetd" --config "$config" $once &
daemon_pid=$!
if [ -n "$seconds" ]; then
  end=$((SECONDS + seconds))
  while [ "$SECONDS" -lt "$end" ] && kill -0 "$daemon_pid" 2>/dev/null; do sleep 1; done
  kill -TERM "$daemon_pid" 2>/dev/null || true
fi
status=0
wait "$daemon_pid" || status=$?
daemon_pid=""
echo "camfleetd exited with status $status; patrol log: $out/patrols.jsonl" >&2
exit "$status"
