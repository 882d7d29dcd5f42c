#!/usr/bin/env bash
# The long soak: camfleetd against camsim's soak fleet (scenarios/soak.json)
# for many patrols, every invariant checked after every patrol, and the
# daemon's descriptors, threads and resident memory compared between the start
# and the end. Bounded by a patrol count and a time limit, whichever comes
# first; reaching the time limit is not a failure.
#
#   tests/chaos/soak.sh                       2000 patrols per subnet, 30 min at most
#   tests/chaos/soak.sh --patrols 5000 --minutes 60
#   tests/chaos/soak.sh --scenario mixed_fleet --patrols 300 --minutes 20
#
# Builds camsim and camfleetd in ${CAMFLEET_BUILD_DIR:-build} if needed.
# Logs, the generated configuration and the patrol log go to
# $CAMFLEET_BUILD_DIR/chaos-soak/. Loopback only (127.69.0.0/16 by default).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${CAMFLEET_BUILD_DIR:-$root/build}

patrols=2000
minutes=30
scenario=soak
while [ "$#" -gt 0 ]; do
  case "$1" in
    --patrols) patrols="$2"; shift 2;;
    --minutes) minutes="$2"; shift 2;;
    --scenario) scenario="$2"; shift 2;;
    *) echo "usage: tests/chaos/soak.sh [--patrols N] [--minutes M] [--scenario NAME]" >&2
       exit 2;;
  esac
done

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build_dir"
fi
cmake --build "$build_dir" -j2 --target camsim camfleetd

exec env PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$root/tests/chaos/chaos_runner.py" \
  "$root/tests/chaos/scenarios/$scenario.json" \
  --camsim "$build_dir/tools/camsim/camsim" \
  --camfleetd "$build_dir/fleet/camfleetd" \
  --work-dir "$build_dir/chaos-soak" \
  --patrols "$patrols" --max-seconds "$((minutes * 60))" --soak
