# Sourced by tools/run-tests.sh and tools/fuzz.sh: the sanitizer runtime
# options, exported so that every process a test starts (camfleetd, camsim,
# camfleetctl, tmux) runs with the same ones.
#
#   camfleet_sanitizer_env asan|tsan|fuzz [REPORT_DIR]
#
# With REPORT_DIR, reports are written to REPORT_DIR/<tool>.<pid> instead of
# stderr (the directory is emptied first): run-tests.sh then fails the stage
# if any file is there, even when the report came from a child process whose
# exit status the test does not look at.

camfleet_sanitizer_env() {
  local kind=$1 report_dir=${2:-}
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  local supp=$root/tests/sanitizers
  local asan_log="" ubsan_log="" tsan_log=""
  if [ -n "$report_dir" ]; then
    rm -rf "$report_dir"
    mkdir -p "$report_dir"
    asan_log=:log_path=$report_dir/asan
    ubsan_log=:log_path=$report_dir/ubsan
    tsan_log=:log_path=$report_dir/tsan
  fi
  # UBSan stops at the first report, with a stack; so do ASan and TSan.
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:report_error_type=1$ubsan_log"
  # ASan keeps freed memory in quarantine to catch use after free; its default
  # 256 MiB shows as resident memory that grows for minutes, which would hide
  # a real leak from the chaos scenarios' no-growth check (and push the
  # fuzzers toward their -rss_limit_mb). A smaller quarantine fills within
  # the first patrols.
  local asan_common="halt_on_error=1:detect_leaks=1"
  asan_common+=":check_initialization_order=1:strict_init_order=1"
  case "$kind" in
  asan)
    export ASAN_OPTIONS="$asan_common:quarantine_size_mb=16$asan_log"
    export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
    unset TSAN_OPTIONS
    ;;
  fuzz)
    export ASAN_OPTIONS="$asan_common:quarantine_size_mb=64$asan_log"
    export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
    unset TSAN_OPTIONS
    ;;
  tsan)
    export TSAN_OPTIONS="suppressions=$supp/tsan.supp:halt_on_error=1"
    TSAN_OPTIONS+=":second_deadlock_stack=1:history_size=4$tsan_log"
    unset ASAN_OPTIONS LSAN_OPTIONS
    ;;
  *)
    echo "sanitizer-env: unknown kind $kind (asan, tsan, fuzz)" >&2
    return 2
    ;;
  esac
}
