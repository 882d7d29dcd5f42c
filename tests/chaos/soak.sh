#!/usr/bin/env bash
# The long soak, not part of the test command: camfleetd against camsim's
# mixed chaos fleet (scenarios/mixed_fleet.json: 3 subnets x 20 cameras of
# every behaviour) for many patrols, every invariant checked after every
# patrol, and the daemon's open descriptors, threads and resident memory
# printed every 100 patrols. It fails if one of them grows: the patrols are
# cut into windows of 100; the first is warm-up; the median of the last
# window may exceed the median of the second by at most 4 descriptors,
# 3 threads, and 8 MiB or 10 % of resident memory (chaos_runner.py,
# check_soak_growth). Bounded by a patrol count (all subnets together) and a
# time limit, whichever comes first; reaching the time limit is not a
# failure, but fewer than 300 patrols is.
#
#   tests/chaos/soak.sh                          3000 patrols, 60 min at most
#   tests/chaos/soak.sh --patrols 1000 --minutes 20
#   tests/chaos/soak.sh --scenario soak          the older two-subnet soak fleet
#
# Builds camsim and camfleetd in ${CAMFLEET_BUILD_DIR:-build} if needed.
# Logs, the generated configuration and the patrol log go to
# $CAMFLEET_BUILD_DIR/chaos-soak/. Loopback only.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${CAMFLEET_BUILD_DIR:-$root/build}

patrols=3000
minutes=60
scenario=mixed_fleet
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
  --total-patrols "$patrols" --report-every 100 --max-seconds "$((minutes * 60))" --soak
