#!/usr/bin/env bash
# Log collection cost: podman's own k8s-file log driver writing a stream, side by side with Ink's
# collector storing that same stream.
#
# 1. A container (crun, Ink's base image) prints LINES lines of about LINE_BYTES bytes as fast as
#    it can, then an END line, then sleeps; conmon (podman's k8s-file driver) writes them to a
#    k8s-file log. Once END is in the file: conmon's CPU time (utime+stime of /proc/PID/stat),
#    the wall time, lines per conmon CPU second and bytes per line of the file.
# 2. ink_logs_bench reads that file with LogCollector + LogStore (the code inkd runs, rate limit
#    off so every line is stored): its CPU time, lines per CPU second and bytes per stored line.
# Then the ratios (Ink / k8s-file). Only the container this script creates is removed.
#
# Usage: bench/logs/run.sh [build dir]   (env: LINES=1000000 LINE_BYTES=100 ROUNDS=3)
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"
LINES=${LINES:-1000000}
LINE_BYTES=${LINE_BYTES:-100}
ROUNDS=${ROUNDS:-3}
IMAGE=${INK_BASE_IMAGE:-localhost/ink/base:bookworm}
ninja -C "$build" ink_logs_bench >/dev/null
podman image exists "$IMAGE" || { echo "no $IMAGE: run scripts/build-base-image.sh" >&2; exit 2; }
work=$(mktemp -d /var/tmp/ink-logs-bench.XXXXXX)
name="ink-logs-bench-$$"
cleanup() { podman rm -f -t 0 "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
tick=$(getconf CLK_TCK)

for round in $(seq 1 "$ROUNDS"); do
  log="$work/ctr.log"
  rm -f "$log"
  podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
  # A line like an access log: a counter, a path and padding to LINE_BYTES.
  gen='my $n = shift; my $w = shift; for my $i (1 .. $n) {
         my $l = "2026-12-07T15:00:00Z GET /api/items/$i 200 "; print $l, "x" x ($w - length $l), "\n" }
       print "END\n"; close STDOUT; sleep 600'
  start=$(date +%s.%N)
  podman run -d --name "$name" --runtime crun --log-driver k8s-file --log-opt path="$log" \
    "$IMAGE" perl -e "$gen" "$LINES" "$LINE_BYTES" >/dev/null
  conmon=$(podman inspect --format '{{.State.ConmonPid}}' "$name")
  until [[ -s "$log" ]] && tail -c 64 "$log" | grep -q ' END$'; do sleep 0.05; done
  end=$(date +%s.%N)
  read -r ut st < <(awk '{print $14, $15}' "/proc/$conmon/stat")
  podman rm -f -t 0 "$name" >/dev/null
  bytes=$(stat -c %s "$log")
  conmon_cpu=$(awk -v u="$ut" -v s="$st" -v t="$tick" 'BEGIN { print (u + s) / t }')
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
  ink=$("$build/src/logs/ink_logs_bench" "$log" $((LINES + 1)) "$work/store")
  ink_cpu=$(sed -E 's/.* cpu_s=([0-9.]+).*/\1/' <<<"$ink")
  ink_wall=$(sed -E 's/.* wall_s=([0-9.]+).*/\1/' <<<"$ink")
  ink_bpl=$(sed -E 's/.* ink_store_bytes_per_line=([0-9.]+).*/\1/' <<<"$ink")
  awk -v r="$round" -v n="$LINES" -v cc="$conmon_cpu" -v w="$wall" -v b="$bytes" \
      -v ic="$ink_cpu" -v iw="$ink_wall" -v ib="$ink_bpl" 'BEGIN {
    cc = (cc > 0 ? cc : 0.01)
    printf "round %d: k8s-file (conmon) lines=%d wall_s=%.2f cpu_s=%.2f lines_per_cpu_s=%.0f bytes_per_line=%.1f\n", r, n, w, cc, n / cc, b / n
    printf "round %d: ink collector     lines=%d wall_s=%.2f cpu_s=%.2f lines_per_cpu_s=%.0f bytes_per_line=%.1f\n", r, n, iw, ic, n / ic, ib
    printf "round %d: ratio ink/k8s-file: cpu per line %.2f, bytes per line %.2f\n", r, ic / cc, ib / (b / n)
  }'
done
