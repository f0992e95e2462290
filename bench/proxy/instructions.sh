#!/usr/bin/env bash
# Instructions per proxied request of ink-edge binaries, under callgrind: a figure the load of a
# shared machine does not move (CPU µs/request from run.sh does, by ±20% from round to round).
#
# One nginx backend (fixed 13-byte body) and each ink-edge in turn under
# `valgrind --tool=callgrind`, `--workers 1`, driven by `wrk -t1 -c20 -d10s`. It reports the
# user-space instructions of the worker thread (Worker::Run, inclusive) divided by the requests
# the worker started (calls of Worker::StartRequest), and the same for StartRequest and
# FinishExchange (where a request begins and ends). Kernel work (sockets, ~80% of a hop's CPU)
# is not in these figures. The route carries a service_id, so an edge that counts does.
#
# Usage: bench/proxy/instructions.sh [LABEL=]path/to/ink-edge ...
# Only the processes this script starts are stopped (by PID).
set -euo pipefail
[[ $# -gt 0 ]] || { echo "usage: $0 [LABEL=]path/to/ink-edge ..." >&2; exit 2; }
for tool in nginx wrk valgrind callgrind_annotate curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install nginx-light wrk valgrind)" >&2; exit 2; }
done
HOST=bench-demo.localhost
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/bench/proxy/common.sh"
bench_init ink-edge-instructions
BACKEND_PORT=$(free_port)
start_backend "$WORK/backend" "$BACKEND_PORT"
write_routes "$WORK/routes.json" "$HOST" "$BACKEND_PORT"

inclusive() {  # function-name-pattern callgrind-file: "Ir calls"
  callgrind_annotate --inclusive=yes --tree=caller "$2" 2>/dev/null |
    awk -v f="$1" 'index($0, "=> ") && index($0, f) { gsub(/,/, "", $1); c = $NF; gsub(/[()x,]/, "", c); print $1, c; exit }'
}

echo "| ink-edge | requests | instructions/request (worker) | in StartRequest | in FinishExchange |"
echo "|---|---|---|---|---|"
for arg in "$@"; do
  if [[ "$arg" == *=* ]]; then label=${arg%%=*}; bin=${arg#*=}; else label=$arg; bin=$arg; fi
  [[ -x "$bin" ]] || { echo "ink-edge binary $bin not found" >&2; exit 2; }
  port=$(free_port)
  out="$WORK/cg.$(basename "$bin").$port"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" --listen "127.0.0.1:$port" \
    --routes "$WORK/routes.json" --workers 1 >"$WORK/edge.out" 2>"$WORK/edge.err" &
  pid=$!; PIDS+=($pid)
  for _ in $(seq 150); do
    curl -fsS -o /dev/null -H "Host: $HOST" "http://127.0.0.1:$port/" 2>/dev/null && break
    sleep 0.2
  done
  wrk -t1 -c20 -d10s -H "Host: $HOST" "http://127.0.0.1:$port/" >/dev/null
  kill -TERM "$pid"; wait "$pid" || true
  read -r run _ <<<"$(inclusive 'Worker::Run()' "$out")"
  read -r start requests <<<"$(inclusive 'Worker::StartRequest(' "$out")"
  read -r finish _ <<<"$(inclusive 'Worker::FinishExchange(' "$out")"
  awk -v l="$label" -v n="$requests" -v r="$run" -v s="$start" -v f="$finish" \
    'BEGIN { printf "| %s | %d | %.0f | %.0f | %.0f |\n", l, n, r / n, s / n, f / n }'
done
