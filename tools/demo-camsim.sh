#!/usr/bin/env bash
# The demo on camsim: nine simulated cameras on three loopback "subnets"
# (tools/demo/camsim-fleet.json), some of them sick, patrolled by camfleetd
# (tools/demo/camfleet.json) until Ctrl-C. Watch the daemon's log:
#   - yard-c110 (Tapo C110) stalls mid-stream for 40 s of every 80: its capture
#     is cancelled at the capture budget, it backs off, its stale sessions fill
#     both slots (453), and it recovers once they expire;
#   - gate-vigi blackholes for 25 s of every 50: connect timeouts, back-off,
#     recovery;
#   - dock-c310's slots are taken by "another client" for the first minute.
# Snapshots and the patrol log go to ./demo-output/camsim.
#
#   tools/demo-camsim.sh               until Ctrl-C
#   tools/demo-camsim.sh --once        one patrol of every subnet, then exit
#   tools/demo-camsim.sh --seconds N   stop by itself after N seconds
#
# camsim's counters while it runs: curl -s 127.0.0.1:18554/cameras
# Installs packages and builds camsim and camfleetd in ${CAMFLEET_BUILD_DIR:-build} if needed.
# Everything stays on 127.2.0.0/16 (loopback).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${CAMFLEET_BUILD_DIR:-$root/build}
control=127.0.0.1:18554

seconds=""
once=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2;;
    --once) once="--once"; shift;;
    *) echo "usage: tools/demo-camsim.sh [--once] [--seconds N]" >&2; exit 2;;
  esac
done

# Installs what is missing and builds, as every entry point does.
bash "$root/tools/build.sh" camsim camfleetd camfleetctl

cd "$root"
out=demo-output/camsim
mkdir -p "$out"

camsim_pid=""
daemon_pid=""
interrupted=""
stop_all() {
  # A Ctrl-C reached camfleetd too (same process group): a second signal would
  # make it exit at once without its TEARDOWNs, so only wait for it then.
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    [ -n "$interrupted" ] || kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  if [ -n "$camsim_pid" ] && kill -0 "$camsim_pid" 2>/dev/null; then
    kill -TERM "$camsim_pid" 2>/dev/null || true
    wait "$camsim_pid" 2>/dev/null || true
  fi
}
trap stop_all EXIT
trap 'interrupted=1; exit 130' INT
trap 'exit 143' TERM

# camsim in its own session, so that Ctrl-C stops the daemon first and camsim
# (stopped by stop_all) still answers its TEARDOWNs. Its log goes to a file,
# its ready line to another that we wait on.
setsid "$build_dir/tools/camsim/camsim" --scenario tools/demo/camsim-fleet.json --control "$control" \
  > "$out/camsim.ready" 2> "$out/camsim.log" &
camsim_pid=$!
for _ in $(seq 1 100); do
  grep -q '^ready' "$out/camsim.ready" 2>/dev/null && break
  kill -0 "$camsim_pid" 2>/dev/null || { cat "$out/camsim.log" >&2; exit 1; }
  sleep 0.1
done
grep -q '^ready' "$out/camsim.ready" || { echo "camsim did not get ready" >&2; exit 1; }
echo "camsim: $(cat "$out/camsim.ready"); its log: $out/camsim.log" >&2

# The demo cameras' account; camfleetd reads it from the environment, as a
# real deployment should rather than from the configuration file.
export CAMFLEET_DEMO_PASSWORD=demo-pass
"$build_dir/fleet/camfleetd" --config tools/demo/camfleet.json $once &
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
