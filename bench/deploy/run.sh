#!/usr/bin/env bash
# Deploy latency and inkd memory benchmark.
#
#   bench/deploy/run.sh [RUNS]          (default RUNS=10; env INK_BUILD_DIR, default <repo>/build)
#
# 1. Deploy-to-first-200: `ink deploy` of the echo-server image (gVisor, the default class), then
#    poll the service URL through ink-edge every 10 ms until it answers 200. Compared with the
#    floor: `podman run -d --runtime runsc-hostnet` of the same image + `podman inspect` for the IP
#    + polling the container's IP directly. RUNS each, median/min/max and the ratio of medians.
# 2. inkd memory: VmRSS of inkd idle (no services), then with 50 services deployed (runc class:
#    50 gVisor sandboxes at ~30 MB each would measure the machine, not inkd), plus the RSS of
#    ink-edge and of the whole process session inkd leads (podman service etc.). Each of the 50
#    `ink deploy --wait` is timed too: deploy time to active as the CLI reports it.
# inkd runs with --allow-runc (the runc class is off by default since issue 8).
# Starts its own inkd (temp data dir, port-0 listeners, instance name bench-<random>) and removes
# everything it created (containers/networks labelled ink.instance=<name>) at exit.
set -euo pipefail
RUNS=${1:-10}
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${INK_BUILD_DIR:-$repo/build}
inkd_bin=$build/src/cmd/inkd/inkd
ink_bin=$build/src/cmd/ink/ink
edge_bin=$build/src/cmd/ink-edge/ink-edge
for b in "$inkd_bin" "$ink_bin" "$edge_bin"; do
  [ -x "$b" ] || { echo "missing $b (build first, or set INK_BUILD_DIR)" >&2; exit 1; }
done

image=localhost/ink/echo:bench
"$repo/test/fixtures/echo-server/build-image.sh" "$image" >/dev/null

name=bench$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
tmp=$(mktemp -d /tmp/ink-bench-XXXXXX)
data=$tmp/data
mkdir -p "$data"
export INK_CONFIG=$tmp/config.json
baseline_names=()
inkd_pid=

cleanup() {
  set +e
  if [ -n "$inkd_pid" ]; then
    kill "$inkd_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$inkd_pid" 2>/dev/null || break; sleep 0.1; done
    # anything left in the session inkd led (ink-edge, podman service), by PID
    for pid in $(ps -e -o pid=,sid= | awk -v s="$inkd_pid" '$2==s {print $1}'); do
      kill "$pid" 2>/dev/null
    done
    edge_pid=$(awk '{print $1; exit}' "$data/edge.pid" 2>/dev/null || true)
    [ -n "$edge_pid" ] && kill "$edge_pid" 2>/dev/null
  fi
  ids=$(podman ps -aq --filter "label=ink.instance=$name")
  [ -n "$ids" ] && podman rm -f -t 0 $ids >/dev/null 2>&1
  nets=$(podman network ls -q --filter "label=ink.instance=$name")
  [ -n "$nets" ] && podman network rm -f $nets >/dev/null 2>&1
  [ ${#baseline_names[@]} -gt 0 ] && podman rm -f -t 0 "${baseline_names[@]}" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
session_rss_kb() {
  local total=0 pid
  for pid in $(ps -e -o pid=,sid= | awk -v s="$inkd_pid" '$2==s {print $1}'); do
    total=$(( total + $(rss_kb "$pid") ))
  done
  echo "$total"
}
stats() {  # prints "median min max" of the numbers on stdin
  python3 -c 'import statistics,sys; v=[float(x) for x in sys.stdin.read().split()]; print(f"{statistics.median(v):.0f} {min(v):.0f} {max(v):.0f}")'
}
wait_200() {  # wait_200 URL [HOST_HEADER]: polls every 10 ms, gives up after 120 s
  local deadline=$(( $(now_ms) + 120000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if [ -n "${2:-}" ]; then
      code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' -H "Host: $2" "$1" || true)
    else
      code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" || true)
    fi
    [ "$code" = 200 ] && return 0
    sleep 0.01
  done
  echo "timed out waiting for 200 from $1 ${2:-}" >&2
  return 1
}

setsid "$inkd_bin" --data-dir "$data" --listen 127.0.0.1:0 --edge-listen 127.0.0.1:0 \
  --edge-binary "$edge_bin" --platform-domain localhost --instance-name "$name" --allow-runc \
  >"$tmp/inkd.log" 2>&1 &
inkd_pid=$!
for _ in $(seq 300); do [ -s "$data/edge-url" ] && [ -s "$data/api-url" ] && break; sleep 0.1; done
api_url=$(cat "$data/api-url")
edge_url=$(cat "$data/edge-url")
edge_port=${edge_url##*:}
edge_port=${edge_port%%/*}
"$ink_bin" login --api-url "$api_url" --token-file "$data/admin-token" >/dev/null
"$ink_bin" projects create bench >/dev/null
sleep 3
idle_rss=$(rss_kb "$inkd_pid")
idle_session=$(session_rss_kb)

echo "deploy latency, $RUNS runs each (ms, deploy command start to first 200)"
ink_times=()
for i in $(seq "$RUNS"); do
  t0=$(now_ms)
  "$ink_bin" deploy --image "$image" --project bench --service "lat$i" --port 8080 >/dev/null
  wait_200 "http://127.0.0.1:$edge_port/" "lat$i-bench.localhost:$edge_port"
  t1=$(now_ms)
  ink_times+=($((t1 - t0)))
  "$ink_bin" services delete "lat$i" --project bench >/dev/null
  sleep 1
done
podman_times=()
for i in $(seq "$RUNS"); do
  cname="$name-base$i"
  baseline_names+=("$cname")
  t0=$(now_ms)
  podman run -d --name "$cname" --runtime runsc-hostnet "$image" >/dev/null
  ip=$(podman inspect -f '{{.NetworkSettings.IPAddress}}' "$cname")
  wait_200 "http://$ip:8080/"
  t1=$(now_ms)
  podman_times+=($((t1 - t0)))
  podman rm -f -t 0 "$cname" >/dev/null
  sleep 1
done
read -r ink_med ink_min ink_max < <(printf '%s\n' "${ink_times[@]}" | stats)
read -r pod_med pod_min pod_max < <(printf '%s\n' "${podman_times[@]}" | stats)
ratio=$(python3 -c "print(f'{$ink_med/$pod_med:.2f}')")
echo "  ink deploy + edge:            median $ink_med  min $ink_min  max $ink_max   (${ink_times[*]})"
echo "  podman run (runsc-hostnet):   median $pod_med  min $pod_min  max $pod_max   (${podman_times[*]})"
echo "  ratio of medians: $ratio"

echo "inkd memory: deploying 50 services (runc class, one at a time with --wait)"
# One at a time: deploys sent back to back without waiting lose some services to a controller
# race (deployment failed "the service was deleted"), see the e2e test test_burst_of_deploys_all_run.
wait_times=()
for i in $(seq 50); do
  t0=$(now_ms)
  "$ink_bin" deploy --image "$image" --project bench --service "m$i" --port 8080 --runtime runc \
    --memory 64m --wait >/dev/null 2>"$tmp/deploy.err" || { cat "$tmp/deploy.err" >&2; exit 1; }
  wait_times+=($(( $(now_ms) - t0 )))
done
read -r wait_med wait_min wait_max < <(printf '%s\n' "${wait_times[@]}" | stats)
echo "  ink deploy --wait (runc) to active: median $wait_med  min $wait_min  max $wait_max ms (50 deploys)"
for i in $(seq 50); do wait_200 "http://127.0.0.1:$edge_port/" "m$i-bench.localhost:$edge_port"; done
sleep 5
loaded_rss=$(rss_kb "$inkd_pid")
loaded_session=$(session_rss_kb)
edge_rss=0  # ink-edge runs in its own session; inkd records its pid in DATA/edge.pid
edge_pid=$(awk '{print $1; exit}' "$data/edge.pid" 2>/dev/null || true)
[ -n "$edge_pid" ] && edge_rss=$(rss_kb "$edge_pid")
echo "  inkd VmRSS idle:              $((idle_rss / 1024)) MiB ($idle_rss kB)"
echo "  inkd VmRSS with 50 services:  $((loaded_rss / 1024)) MiB ($loaded_rss kB)"
echo "  ink-edge VmRSS (50 routes):   $((edge_rss / 1024)) MiB ($edge_rss kB)"
echo "  inkd + its podman services, idle / loaded: $((idle_session / 1024)) / $((loaded_session / 1024)) MiB"
