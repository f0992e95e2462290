# Sourced by run.sh, tls.sh and instructions.sh: a temp dir whose processes are stopped on exit
# (only those started here, by PID), free loopback ports, the nginx backend every proxy is put in
# front of (fixed 13-byte body), the route file naming it, CPU ticks and medians.

# bench_init PREFIX: WORK=/tmp/PREFIX.XXXXXX, PIDS=(), cleanup on exit.
bench_init() {
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The start of an nginx.conf for one process without a master, logs and temp files in DIR,
# up to the inside of its http block.
nginx_head() {
  cat <<CONF
daemon off;
master_process off;
worker_processes 1;
error_log $1/error.log warn;
pid $1/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1; proxy_temp_path $1;
  keepalive_requests 10000000;
CONF
}

# start_backend DIR PORT [COMMAND PREFIX...]: nginx on 127.0.0.1:PORT answering "hello, world";
# its PID is appended to PIDS. The prefix is e.g. "taskset -c 0".
start_backend() {
  local dir=$1 port=$2
  shift 2
  mkdir -p "$dir"
  {
    nginx_head "$dir"
    cat <<CONF
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$port;
    location / { default_type text/plain; return 200 "hello, world\n"; }
  }
}
CONF
  } >"$dir/nginx.conf"
  "$@" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
  PIDS+=($!)
}

# write_routes FILE HOST BACKEND_PORT: ink-edge's route file, one route with a service_id (so an
# edge that counts requests does).
write_routes() {
  cat >"$1" <<JSON
{"version": 1, "routes": [{"host": "$2", "service": "bench", "project": "demo", "service_id": "svc_bench",
  "backends": [{"address": "127.0.0.1", "port": $3}]}]}
JSON
}

# start_nginx_proxy DIR BACKEND_PORT "SERVER LINES": nginx as a reverse proxy to the backend,
# keep-alive upstream, X-Forwarded-* like ink-edge, pinned to core 0; NGINX_PID is set. The
# server lines hold the listen directive (and the certificate for TLS).
start_nginx_proxy() {
  local dir=$1 backend=$2 server=$3
  mkdir -p "$dir"
  {
    nginx_head "$dir"
    cat <<CONF
  upstream backend { server 127.0.0.1:$backend; keepalive 64; keepalive_requests 10000000; }
  server {
    $server
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
  } >"$dir/nginx.conf"
  taskset -c 0 nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
  NGINX_PID=$!
  PIDS+=($NGINX_PID)
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
