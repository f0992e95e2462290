#!/usr/bin/env bash
# Sandbox create-to-first-exec latency (issue 12), beside plain podman + gVisor.
#
#   bench/sandbox/run.sh [RUNS]        (default RUNS=30; env INK_BUILD_DIR, default <repo>/build)
#
# Starts its own inkd (temp data dir, port-0 listeners, instance name bench-<random>), then
# cycles.py: RUNS rounds of (create a sandbox through REST + exec `echo hi` in it, delete it),
# `podman run --rm --runtime runsc-hostnet --network none IMAGE echo hi`, and `podman run -d` of
# `sleep infinity` + `podman exec echo hi` of the same image (inkd's default sandbox image,
# localhost/ink/base:bookworm), interleaved so all three see the same load. No warm pool.
# Removes everything it created (containers/networks labelled ink.instance=<name> or
# ink.bench=sandbox) at exit.
set -euo pipefail
RUNS=${1:-30}
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${INK_BUILD_DIR:-$repo/build}
inkd_bin=$build/src/cmd/inkd/inkd
edge_bin=$build/src/cmd/ink-edge/ink-edge
for b in "$inkd_bin" "$edge_bin"; do
  [ -x "$b" ] || { echo "missing $b (build first, or set INK_BUILD_DIR)" >&2; exit 1; }
done
image=localhost/ink/base:bookworm
name=bench$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
tmp=$(mktemp -d /tmp/ink-bench-XXXXXX)
data=$tmp/data
mkdir -p "$data"
inkd_pid=

cleanup() {
  set +e
  if [ -n "$inkd_pid" ]; then
    kill "$inkd_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$inkd_pid" 2>/dev/null || break; sleep 0.1; done
    for pid in $(ps -e -o pid=,sid= | awk -v s="$inkd_pid" '$2==s {print $1}'); do
      kill "$pid" 2>/dev/null
    done
  fi
  for label in "ink.instance=$name" "ink.bench=sandbox"; do
    ids=$(podman ps -aq --filter "label=$label")
    [ -n "$ids" ] && podman rm -f -t 0 $ids >/dev/null 2>&1
  done
  nets=$(podman network ls -q --filter "label=ink.instance=$name")
  [ -n "$nets" ] && podman network rm -f $nets >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

setsid "$inkd_bin" --data-dir "$data" --listen 127.0.0.1:0 --edge-listen 127.0.0.1:0 \
  --edge-binary "$edge_bin" --platform-domain localhost --instance-name "$name" \
  --sandbox-image "$image" >"$tmp/inkd.log" 2>&1 &
inkd_pid=$!
for _ in $(seq 300); do [ -s "$data/api-url" ] && [ -s "$data/admin-token" ] && break; sleep 0.1; done
api_url=$(cat "$data/api-url")
echo "host: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
python3 "$repo/bench/sandbox/cycles.py" "$api_url" "$(cat "$data/admin-token")" "$RUNS" "$image"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
