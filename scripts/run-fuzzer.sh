#!/usr/bin/env bash
# run-fuzzer.sh FUZZER SEED_CORPUS_DIR SECONDS: runs one libFuzzer target for a bounded time over
# a scratch copy of its checked-in seed corpus (the checked-in corpus is never written), then
# prints one summary line: executions per second and corpus size. Exit status is the fuzzer's
# (non-zero on a crash, leak, timeout or sanitizer report; the reproducer is kept and named).
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=${INK_FUZZ_SECONDS:-$3}
name=$(basename "$fuzzer")
work=$(mktemp -d "${TMPDIR:-/tmp}/ink-fuzz-$name.XXXXXX")
trap 'rm -rf "$work/corpus"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
[ -d "$seeds" ] && cp -r "$seeds"/. "$work/corpus"/ 2>/dev/null || true
status=0
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  tail -n 80 "$work/log"
  echo "run-fuzzer: $name failed (status $status); reproducer and log kept in $work" >&2
  exit "$status"
fi
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
files=$(find "$work/corpus" -type f | wc -l)
bytes=$(du -sb "$work/corpus" | cut -f1)
seed_files=$(find "$seeds" -type f 2>/dev/null | wc -l)
echo "fuzz $name: ${execs:-?} runs in ${seconds}s, ${rate:-?} exec/s, corpus $seed_files seeds -> $files files ($bytes bytes)"
rm -rf "$work"
