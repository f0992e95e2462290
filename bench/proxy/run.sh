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
# Usage: bench/proxy/run.sh [path/to/ink-edge]      (env: DURATION=10s WARMUP=2s)
# Only the processes this script starts are stopped (by PID).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EDGE=${1:-${INK_EDGE:-}}
if [[ -z "$EDGE" ]]; then
  for c in "$ROOT"/build-edge/src/cmd/ink-edge/ink-edge "$ROOT"/build/src/cmd/ink-edge/ink-edge; do
    [[ -x "$c" ]] && EDGE=$c && break
  done
fi
[[ -x "${EDGE:-}" ]] || { echo "ink-edge binary not found; build it or pass its path" >&2; exit 2; }
for tool in nginx haproxy wrk taskset curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install nginx-light haproxy wrk)" >&2; exit 2; }
done
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
HOST=bench-demo.localhost
TICK=$(getconf CLK_TCK)

WORK=$(mktemp -d /tmp/ink-proxy-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
BACKEND_PORT=$(free_port); EDGE_PORT=$(free_port); NGINX_PORT=$(free_port); HAPROXY_PORT=$(free_port)

# --- backend: nginx returning a fixed body -------------------------------------------------
mkdir -p "$WORK/backend" "$WORK/nginx"
cat >"$WORK/backend/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
error_log $WORK/backend/error.log warn;
pid $WORK/backend/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/backend;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$BACKEND_PORT;
    location / { default_type text/plain; return 200 "hello, world\n"; }
  }
}
CONF
taskset -c 0 nginx -p "$WORK/backend" -c "$WORK/backend/nginx.conf" -e "$WORK/backend/error.log" &
PIDS+=($!)

# --- ink-edge ----------------------------------------------------------------------------------
cat >"$WORK/routes.json" <<JSON
{"version": 1, "routes": [{"host": "$HOST", "service": "bench", "project": "demo",
  "backends": [{"address": "127.0.0.1", "port": $BACKEND_PORT}]}]}
JSON
taskset -c 0 "$EDGE" --listen "127.0.0.1:$EDGE_PORT" --routes "$WORK/routes.json" --workers 1 \
  >"$WORK/edge.out" 2>"$WORK/edge.err" &
EDGE_PID=$!; PIDS+=($EDGE_PID)

# --- nginx as a proxy ----------------------------------------------------------------------
cat >"$WORK/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
error_log $WORK/nginx/error.log warn;
pid $WORK/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx;
  keepalive_requests 10000000;
  upstream backend { server 127.0.0.1:$BACKEND_PORT; keepalive 64; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$http_host;
    }
  }
}
CONF
taskset -c 0 nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" &
NGINX_PID=$!; PIDS+=($NGINX_PID)

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
for port in $BACKEND_PORT $EDGE_PORT $NGINX_PORT $HAPROXY_PORT; do
  for _ in $(seq 100); do
    if curl -fsS -o /dev/null -H "Host: $HOST" "http://127.0.0.1:$port/"; then continue 2; fi
    sleep 0.1
  done
  echo "port $port never answered 200; logs in $WORK" >&2
  cat "$WORK"/*.err "$WORK"/*.log 2>/dev/null >&2 || true
  exit 1
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
to_ms() {  # wrk prints 512.00us / 1.23ms / 1.02s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

ROWS=()
run() {  # name port pid connections
  local name=$1 port=$2 pid=$3 conns=$4 out before after reqs rps p50 p99 cpu
  taskset -c 1 wrk -t1 -c"$conns" -d"$WARMUP" -H "Host: $HOST" "http://127.0.0.1:$port/" >/dev/null
  before=$(cpu_ticks "$pid")
  out=$(taskset -c 1 wrk -t1 -c"$conns" -d"$DURATION" --latency -H "Host: $HOST" "http://127.0.0.1:$port/")
  after=$(cpu_ticks "$pid")
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/^Requests\/sec/ {printf "%.0f", $2}')
  p50=$(to_ms "$(echo "$out" | awk '$1 == "50%" {print $2}')")
  p99=$(to_ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")
  errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {printf "%s ", $0}')
  cpu=$(awk -v d=$((after - before)) -v t="$TICK" -v r="$reqs" 'BEGIN { printf "%.2f", d / t * 1e6 / r }')
  ROWS+=("| $name | $conns | $rps | $p50 | $p99 | $cpu |${errors:+ $errors}")
  echo "done: $name c=$conns rps=$rps p50=${p50}ms p99=${p99}ms cpu/req=${cpu}us $errors" >&2
}

BACKEND_PID=${PIDS[0]}
for conns in 50 1; do
  run "direct (backend only)" "$BACKEND_PORT" "$BACKEND_PID" "$conns"
  run "ink-edge (1 worker)" "$EDGE_PORT" "$EDGE_PID" "$conns"
  run "nginx $(nginx -v 2>&1 | sed 's/.*\///') (1 worker)" "$NGINX_PORT" "$NGINX_PID" "$conns"
  run "HAProxy $(haproxy -v | awk 'NR==1 {print $3}') (nbthread 1)" "$HAPROXY_PORT" "$HAPROXY_PID" "$conns"
done

echo
echo "wrk -t1 -d$DURATION --latency (warm-up $WARMUP), proxy+backend on core 0, wrk on core 1;"
echo "$(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)"
echo
echo "| proxy | connections | req/s | p50 ms | p99 ms | proxy CPU µs/req |"
echo "|---|---|---|---|---|---|"
for row in "${ROWS[@]}"; do echo "$row"; done
