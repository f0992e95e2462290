#!/usr/bin/env bash
# Benchmarks ink-edge against nginx and HAProxy as reverse proxies in front of one backend.
#
# One backend (nginx, single process, fixed 13-byte body) and three proxies to it, each with its
# own config in a temp dir, on loopback ports. Proxy and backend run pinned to core 0, wrk to
# core 1. For each proxy and each concurrency (50 and 1 connections) it reports req/s, p50/p99
# latency (wrk --latency) and the proxy's CPU time per request (utime+stime from
# /proc/PID/stat before/after, divided by the requests wrk completed). A "direct" row measures
# the backend without a proxy. Every proxy adds X-Forwarded-For/-Proto/-Host and keeps upstream
# connections alive, so they do comparable work.
#
# Usage: bench/proxy/run.sh [[LABEL=]path/to/ink-edge ...]   (env: DURATION=10s WARMUP=2s ROUNDS=1)
# Several ink-edge binaries (e.g. before=/tmp/ink-edge-old after=build/src/cmd/ink-edge/ink-edge)
# are measured side by side in the same run. With ROUNDS=N every row is measured N times,
# interleaved with the other proxies, and the median of each column is reported (the machine is
# shared, so single runs are noisy). Only the processes this script starts are stopped (by PID).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EDGE_ARGS=("$@")
if [[ ${#EDGE_ARGS[@]} -eq 0 ]]; then
  for c in ${INK_EDGE:-} "$ROOT"/build-edge/src/cmd/ink-edge/ink-edge "$ROOT"/build/src/cmd/ink-edge/ink-edge; do
    [[ -x "$c" ]] && EDGE_ARGS=("$c") && break
  done
fi
EDGE_LABELS=(); EDGE_BINS=()
for arg in "${EDGE_ARGS[@]}"; do
  if [[ "$arg" == *=* ]]; then label=${arg%%=*}; bin=${arg#*=}; else label=""; bin=$arg; fi
  [[ -x "$bin" ]] || { echo "ink-edge binary $bin not found; build it or pass its path" >&2; exit 2; }
  EDGE_LABELS+=("$label"); EDGE_BINS+=("$bin")
done
[[ ${#EDGE_BINS[@]} -gt 0 ]] || { echo "ink-edge binary not found; build it or pass its path" >&2; exit 2; }
for tool in nginx haproxy wrk taskset curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install nginx-light haproxy wrk)" >&2; exit 2; }
done
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-1}
HOST=bench-demo.localhost
TICK=$(getconf CLK_TCK)

source "$ROOT/bench/proxy/common.sh"
bench_init ink-proxy-bench
BACKEND_PORT=$(free_port); NGINX_PORT=$(free_port); HAPROXY_PORT=$(free_port)

# --- backend: nginx returning a fixed body -------------------------------------------------
start_backend "$WORK/backend" "$BACKEND_PORT" taskset -c 0

# --- ink-edge ----------------------------------------------------------------------------------
write_routes "$WORK/routes.json" "$HOST" "$BACKEND_PORT"
EDGE_PORTS=(); EDGE_PIDS=()
for i in "${!EDGE_BINS[@]}"; do
  port=$(free_port)
  taskset -c 0 "${EDGE_BINS[$i]}" --listen "127.0.0.1:$port" --routes "$WORK/routes.json" --workers 1 \
    >"$WORK/edge$i.out" 2>"$WORK/edge$i.err" &
  EDGE_PIDS+=($!); EDGE_PORTS+=("$port"); PIDS+=($!)
done

# --- nginx as a proxy ----------------------------------------------------------------------
start_nginx_proxy "$WORK/nginx" "$BACKEND_PORT" "listen 127.0.0.1:$NGINX_PORT;"

# --- HAProxy -------------------------------------------------------------------------------
cat >"$WORK/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 3s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  option forwardfor
  http-reuse always
frontend fe
  bind 127.0.0.1:$HAPROXY_PORT
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  default_backend be
backend be
  server b1 127.0.0.1:$BACKEND_PORT
CONF
taskset -c 0 haproxy -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
HAPROXY_PID=$!; PIDS+=($HAPROXY_PID)

# Wait until every listener answers through the proxy.
for port in $BACKEND_PORT "${EDGE_PORTS[@]}" $NGINX_PORT $HAPROXY_PORT; do
  for _ in $(seq 100); do
    if curl -fsS -o /dev/null -H "Host: $HOST" "http://127.0.0.1:$port/"; then continue 2; fi
    sleep 0.1
  done
  echo "port $port never answered 200; logs in $WORK" >&2
  cat "$WORK"/*.err "$WORK"/*.log 2>/dev/null >&2 || true
  exit 1
done

to_ms() {  # wrk prints 512.00us / 1.23ms / 1.02s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}


declare -A RPS P50 P99 CPU ERRS
ORDER=()
measure() {  # key port pid connections
  local key=$1 port=$2 pid=$3 conns=$4 out before after reqs
  taskset -c 1 wrk -t1 -c"$conns" -d"$WARMUP" -H "Host: $HOST" "http://127.0.0.1:$port/" >/dev/null
  before=$(cpu_ticks "$pid")
  out=$(taskset -c 1 wrk -t1 -c"$conns" -d"$DURATION" --latency -H "Host: $HOST" "http://127.0.0.1:$port/")
  after=$(cpu_ticks "$pid")
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  RPS[$key]+=" $(echo "$out" | awk '/^Requests\/sec/ {printf "%.0f", $2}')"
  P50[$key]+=" $(to_ms "$(echo "$out" | awk '$1 == "50%" {print $2}')")"
  P99[$key]+=" $(to_ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")"
  CPU[$key]+=" $(awk -v d=$((after - before)) -v t="$TICK" -v r="$reqs" 'BEGIN { printf "%.2f", d / t * 1e6 / r }')"
  ERRS[$key]+=$(echo "$out" | awk '/Non-2xx|Socket errors/ {printf "%s ", $0}')
  echo "done: $key $(echo "${CPU[$key]}" | awk '{print $NF}')us/req" >&2
}

BACKEND_PID=${PIDS[0]}
NAMES=("direct (backend only)"); PORTS=("$BACKEND_PORT"); PROCS=("$BACKEND_PID")
for i in "${!EDGE_BINS[@]}"; do
  label=${EDGE_LABELS[$i]}
  NAMES+=("ink-edge${label:+ $label} (1 worker)"); PORTS+=("${EDGE_PORTS[$i]}"); PROCS+=("${EDGE_PIDS[$i]}")
done
NAMES+=("nginx $(nginx -v 2>&1 | sed 's/.*\///') (1 worker)"); PORTS+=("$NGINX_PORT"); PROCS+=("$NGINX_PID")
NAMES+=("HAProxy $(haproxy -v | awk 'NR==1 {print $3}') (nbthread 1)"); PORTS+=("$HAPROXY_PORT"); PROCS+=("$HAPROXY_PID")
for conns in 50 1; do
  for round in $(seq "$ROUNDS"); do
    for j in "${!NAMES[@]}"; do
      key="${NAMES[$j]}|$conns"
      [[ $round -eq 1 ]] && ORDER+=("$key")
      measure "$key" "${PORTS[$j]}" "${PROCS[$j]}" "$conns"
    done
  done
done

echo
echo "wrk -t1 -d$DURATION --latency (warm-up $WARMUP), proxy+backend on core 0, wrk on core 1;"
echo "$ROUNDS round(s), medians; $(nproc) cores, load average after: $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)"
echo
echo "| proxy | connections | req/s | p50 ms | p99 ms | proxy CPU µs/req | CPU µs/req, each round |"
echo "|---|---|---|---|---|---|---|"
for key in "${ORDER[@]}"; do
  name=${key%|*}; conns=${key##*|}
  echo "| $name | $conns | $(echo "${RPS[$key]}" | median) | $(echo "${P50[$key]}" | median) |" \
    "$(echo "${P99[$key]}" | median) | $(echo "${CPU[$key]}" | median) |${CPU[$key]} |${ERRS[$key]:+ ${ERRS[$key]}}"
done
# An ink-edge that counts requests writes them beside the route file (the last one to write wins
# when several do): shows that the counting was on while it was measured.
if [[ -f "$WORK/edge-stats.json" ]]; then
  echo
  python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["services"].get("svc_bench", {}).get("status", {}); print("edge-stats.json: svc_bench", s)' "$WORK/edge-stats.json"
fi
