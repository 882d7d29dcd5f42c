#!/usr/bin/env bash
# The test command: installs what is missing, then runs these stages, each in
# its own build directory next to the normal one:
#   normal  build with warnings as errors and run every test through CTest
#           (unit, integration against GStreamer's RTSP server and camsim on
#           loopback, end to end through the binaries, chaos scenarios)
#   asan    the same build and whole suite under AddressSanitizer and
#           UndefinedBehaviorSanitizer (<build>-asan); the sanitized camfleetd,
#           camsim and camfleetctl are what the tests start
#   tsan    the actor and capture tests under ThreadSanitizer (<build>-tsan)
#   fuzz    each libFuzzer target for CAMFLEET_FUZZ_SECONDS (<build>-fuzz,
#           clang); tools/fuzz.sh runs one for longer
# then checks the format. Extra arguments go to ctest in the normal stage,
# e.g. tools/run-tests.sh -R camsim; with arguments only the normal stage runs
# unless CAMFLEET_TEST_STAGES names others ("normal asan tsan fuzz").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${CAMFLEET_BUILD_DIR:-$root/build}
if [ "$#" -eq 0 ]; then
  stages=${CAMFLEET_TEST_STAGES:-normal asan tsan fuzz}
else
  stages=${CAMFLEET_TEST_STAGES:-normal}
fi
# Two cores in CI; never more jobs than that.
jobs=$(nproc 2>/dev/null || echo 2)
[ "$jobs" -gt 2 ] && jobs=2

bash "$root/tools/install-deps.sh"
# shellcheck source=tools/sanitizer-env.sh
source "$root/tools/sanitizer-env.sh"

status=0
stage_failed() {
  echo "run-tests: stage $1 FAILED" >&2
  status=1
}

# Sanitizer reports go to files (*_OPTIONS log_path, see sanitizer-env.sh),
# so that a report from a child process whose exit status a test ignores
# still fails the stage.
check_reports() {
  local stage=$1 dir=$2
  if compgen -G "$dir/*" >/dev/null; then
    echo "run-tests: $stage: sanitizer reports in $dir:" >&2
    for report in "$dir"/*; do
      echo "=== $report" >&2
      head -n 80 "$report" >&2
    done
    stage_failed "$stage"
  fi
}

# Sanitized builds: -O1 as the sanitizers' authors advise, line tables only
# (-g1: enough for their stack traces) and assertions on. Full debug
# information for CAF's and Beast's templates would double these builds' time.
sanitized_flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1")

timed() {
  local stage=$1
  shift
  local started=$SECONDS
  # A subshell each, so one stage's sanitizer settings never reach the next.
  ("$@") || stage_failed "$stage"
  echo "run-tests: stage $stage took $((SECONDS - started)) s"
}

# Serially: several tests assert release bounds (200 ms), which a second test
# hogging the two cores could stretch.
run_normal() {
  bash "$root/tools/build.sh" || return 1
  cd "$build_dir" && ctest --output-on-failure --timeout 600 "$@"
}

run_asan() {
  local dir=$build_dir-asan
  cmake -S "$root" -B "$dir" -DCAMFLEET_WERROR=ON -DCAMFLEET_SANITIZE=address,undefined \
    "${sanitized_flags[@]}" >/dev/null || return 1
  cmake --build "$dir" -j "$jobs" || return 1
  camfleet_sanitizer_env asan "$dir/sanitizer-reports"
  local rc=0
  (cd "$dir" && ctest --output-on-failure --timeout 900) || rc=1
  check_reports asan "$dir/sanitizer-reports"
  return "$rc"
}

run_tsan() {
  local dir=$build_dir-tsan
  cmake -S "$root" -B "$dir" -DCAMFLEET_WERROR=ON -DCAMFLEET_SANITIZE=thread \
    "${sanitized_flags[@]}" >/dev/null || return 1
  cmake --build "$dir" -j "$jobs" --target actor_tests camera_tests camera_capture_tests ||
    return 1
  camfleet_sanitizer_env tsan "$dir/sanitizer-reports"
  local rc=0
  (cd "$dir" && ctest --output-on-failure --timeout 900 \
    -L '^(actor_tests|camera_tests|camera_capture_tests)$') || rc=1
  check_reports tsan "$dir/sanitizer-reports"
  return "$rc"
}

run_fuzz() {
  local dir=$build_dir-fuzz
  CXX=clang++-14 cmake -S "$root" -B "$dir" -DCAMFLEET_FUZZ=ON "${sanitized_flags[@]}" \
    >/dev/null || return 1
  cmake --build "$dir" -j "$jobs" --target fuzz_config fuzz_rtsp_request fuzz_admin fuzz_capture ||
    return 1
  # libFuzzer prints its own reports and fails the test; no report files.
  camfleet_sanitizer_env fuzz ""
  cd "$dir" && ctest --output-on-failure -L '^fuzz$'
}

for stage in $stages; do
  case "$stage" in
  normal) timed normal run_normal "$@" ;;
  asan) timed asan run_asan ;;
  tsan) timed tsan run_tsan ;;
  fuzz) timed fuzz run_fuzz ;;
  *)
    echo "run-tests: unknown stage $stage (normal, asan, tsan, fuzz)" >&2
    exit 2
    ;;
  esac
done

# Format is checked after the tests, so a misplaced brace never hides a bug.
bash "$root/tools/check-format.sh" || status=1
exit "$status"
