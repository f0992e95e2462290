#!/usr/bin/env bash
# TLS at the edge: ink-edge against nginx as TLS-terminating reverse proxies in front of the same
# plain backend (nginx, fixed 13-byte body), with the same certificate (ECDSA P-256 leaf + its
# test CA, made here with the openssl command), in the same run.
#
# Per proxy, the proxy's CPU time (utime+stime from /proc/PID/stat) divided by the work done:
#   keep-alive   wrk -t1 -c50 over https, one TLS connection per wrk connection: µs per request
#   full         sequential new connections, no session offered (tls_client.c): µs per connection
#   resumed      the same, each offering the previous connection's ticket: µs per connection
# A connection is handshake + one GET (Connection: close) + close. TLS 1.3 (both sides' default),
# X25519, TLS_AES_256_GCM_SHA384. Proxies and backend on core 0, clients on core 1. With ROUNDS=N
# every row is measured N times, interleaved, and the median reported.
#
# Usage: bench/proxy/tls.sh [path/to/ink-edge]   (env: DURATION=10s ROUNDS=3)
# Only the processes this script starts are stopped (by PID).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EDGE=${1:-}
if [[ -z "$EDGE" ]]; then
  for c in ${INK_EDGE:-} "$ROOT"/build/src/cmd/ink-edge/ink-edge; do
    [[ -x "$c" ]] && EDGE=$c && break
  done
fi
[[ -x "$EDGE" ]] || { echo "ink-edge binary not found; build it or pass its path" >&2; exit 2; }
for tool in nginx wrk taskset curl openssl gcc; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install nginx-light wrk)" >&2; exit 2; }
done
DURATION=${DURATION:-10s}
SECONDS_EACH=${DURATION%s}
ROUNDS=${ROUNDS:-3}
HOST=bench-demo.localhost
TICK=$(getconf CLK_TCK)

source "$ROOT/bench/proxy/common.sh"
bench_init ink-tls-bench
BACKEND_PORT=$(free_port); EDGE_PORT=$(free_port); EDGE_TLS_PORT=$(free_port); NGINX_PORT=$(free_port)

gcc -O2 -o "$WORK/tls_client" "$ROOT/bench/proxy/tls_client.c" -lssl -lcrypto

# --- one certificate for both: localhost (wrk's SNI) and the routed host -------------------
(cd "$WORK" &&
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -days 2 -subj '/CN=bench CA' -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null &&
  printf "subjectAltName=DNS:localhost,DNS:$HOST\nextendedKeyUsage=serverAuth\n" >leaf.ext &&
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr \
    -subj "/CN=$HOST" 2>/dev/null &&
  openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile leaf.ext -out leaf.pem 2>/dev/null &&
  cat leaf.pem ca.pem >chain.pem)
mkdir -p "$WORK/tls"
chmod 700 "$WORK/tls"
for name in localhost "$HOST"; do
  cat "$WORK/leaf.key" "$WORK/chain.pem" >"$WORK/tls/$name.pem"
  chmod 600 "$WORK/tls/$name.pem"
done

# --- backend: nginx returning a fixed body -------------------------------------------------
start_backend "$WORK/backend" "$BACKEND_PORT" taskset -c 0

# --- ink-edge ----------------------------------------------------------------------------------
write_routes "$WORK/routes.json" "$HOST" "$BACKEND_PORT"
taskset -c 0 "$EDGE" --listen "127.0.0.1:$EDGE_PORT" --routes "$WORK/routes.json" --workers 1 \
  --tls-dir "$WORK/tls" --tls-port "$EDGE_TLS_PORT" >"$WORK/edge.out" 2>"$WORK/edge.err" &
EDGE_PID=$!; PIDS+=($EDGE_PID)

# --- nginx as a TLS proxy (tickets on by default, keys per process, no session cache) -------
start_nginx_proxy "$WORK/nginx" "$BACKEND_PORT" "listen 127.0.0.1:$NGINX_PORT ssl;
    ssl_certificate $WORK/chain.pem;
    ssl_certificate_key $WORK/leaf.key;
    ssl_protocols TLSv1.2 TLSv1.3;"

for port in $EDGE_TLS_PORT $NGINX_PORT; do
  for _ in $(seq 100); do
    if curl -fsS -o /dev/null --cacert "$WORK/ca.pem" --resolve "$HOST:$port:127.0.0.1" \
      "https://$HOST:$port/"; then continue 2; fi
    sleep 0.1
  done
  echo "port $port never answered 200 over TLS; logs in $WORK" >&2
  cat "$WORK"/*.err "$WORK"/*/error.log 2>/dev/null >&2 || true
  exit 1
done


declare -A CPU NOTE
ORDER=()
measure() {  # key kind port pid
  local key=$1 kind=$2 port=$3 pid=$4 out before after count
  if [[ $kind == keepalive ]]; then
    taskset -c 1 wrk -t1 -c50 -d2s -H "Host: $HOST" "https://localhost:$port/" >/dev/null
    before=$(cpu_ticks "$pid")
    out=$(taskset -c 1 wrk -t1 -c50 -d"$DURATION" -H "Host: $HOST" "https://localhost:$port/")
    after=$(cpu_ticks "$pid")
    count=$(echo "$out" | awk '/requests in/ {print $1}')
    NOTE[$key]+=$(echo "$out" | awk '/Non-2xx|Socket errors/ {printf "%s ", $0}')
  else
    local resume=0
    [[ $kind == resumed ]] && resume=1
    before=$(cpu_ticks "$pid")
    out=$(taskset -c 1 "$WORK/tls_client" 127.0.0.1 "$port" "$HOST" "$HOST" "$SECONDS_EACH" "$resume")
    after=$(cpu_ticks "$pid")
    count=$(echo "$out" | sed 's/.*connections=\([0-9]*\).*/\1/')
    local reused failed
    reused=$(echo "$out" | sed 's/.*reused=\([0-9]*\).*/\1/')
    failed=$(echo "$out" | sed 's/.*failed=\([0-9]*\).*/\1/')
    if [[ $kind == resumed && $reused -lt $((count - 1)) ]] || [[ $kind == full && $reused -ne 0 ]] ||
      [[ $failed -ne 0 ]]; then
      NOTE[$key]+="$out "
    fi
  fi
  CPU[$key]+=" $(awk -v d=$((after - before)) -v t="$TICK" -v r="$count" 'BEGIN { printf "%.1f", d / t * 1e6 / r }')"
  echo "done: $key $(echo "${CPU[$key]}" | awk '{print $NF}')us ($count)" >&2
}

NAMES=("ink-edge (1 worker)" "nginx $(nginx -v 2>&1 | sed 's/.*\///') (1 worker)")
PORTS=("$EDGE_TLS_PORT" "$NGINX_PORT")
PROCS=("$EDGE_PID" "$NGINX_PID")
for kind in keepalive resumed full; do
  for round in $(seq "$ROUNDS"); do
    for j in "${!NAMES[@]}"; do
      key="${NAMES[$j]}|$kind"
      [[ $round -eq 1 ]] && ORDER+=("$key")
      measure "$key" "$kind" "${PORTS[$j]}" "${PROCS[$j]}"
    done
  done
done

proto=$(echo | openssl s_client -connect "127.0.0.1:$EDGE_TLS_PORT" -servername "$HOST" 2>/dev/null |
  awk '/^New,/ {print $2, $NF}')
echo
echo "TLS ($proto), $DURATION per measurement, proxy+backend on core 0, clients on core 1;"
echo "$ROUNDS round(s), medians; $(nproc) cores, load average after: $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)"
echo
echo "| proxy | what | proxy CPU µs | each round |"
echo "|---|---|---|---|"
for key in "${ORDER[@]}"; do
  name=${key%|*}; kind=${key##*|}
  case $kind in
    keepalive) what="per request, keep-alive (wrk -c50)" ;;
    resumed) what="per connection, resumed handshake" ;;
    full) what="per connection, full handshake" ;;
  esac
  echo "| $name | $what | $(echo "${CPU[$key]}" | median) |${CPU[$key]} |${NOTE[$key]:+ ${NOTE[$key]}}"
done
