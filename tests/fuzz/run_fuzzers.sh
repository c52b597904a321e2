#!/usr/bin/env bash
# Runs every fuzzer of tests/fuzz for a bounded time and fails on the first finding.
#     tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS_PER_FUZZER
# New inputs go to BUILD_DIR/corpus/<target> (the committed seeds in tests/fuzz/corpus/<target>
# are only read), findings to BUILD_DIR/artifacts/<target>/ (crash-*, timeout-*, oom-*, leak-*).
# Reproduce one with: BUILD_DIR/tests/fuzz/fuzz_<target> BUILD_DIR/artifacts/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/../.."

build_dir=${1:?usage: $0 BUILD_DIR SECONDS_PER_FUZZER}
seconds=${2:?usage: $0 BUILD_DIR SECONDS_PER_FUZZER}
targets=(scenario_loader set_override checkpoint_restore)

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for target in "${targets[@]}"; do
  fuzzer="$build_dir/tests/fuzz/fuzz_$target"
  work_corpus="$build_dir/corpus/$target"
  artifacts="$build_dir/artifacts/$target/"
  log="$build_dir/fuzz_$target.log"
  mkdir -p "$work_corpus" "$artifacts"
  echo "fuzz: $target for ${seconds} s (log: $log)"
  # -timeout: one input running this long is a hang; -rss_limit_mb: a runaway allocation is a
  # finding, not a dead CI machine.
  status=0
  "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    $([ -f "tests/fuzz/$target.dict" ] && echo "-dict=tests/fuzz/$target.dict") \
    -artifact_prefix="$artifacts" "$work_corpus" "tests/fuzz/corpus/$target" >"$log" 2>&1 \
    || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  echo "fuzz: $target: ${executions:-?} executions, corpus $(ls "$work_corpus" | wc -l) inputs"
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $target FAILED (exit $status); the end of its log:" >&2
    tail -n 60 "$log" >&2
    exit 1
  fi
done
