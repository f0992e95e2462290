#!/usr/bin/env bash
# MCP benchmark: latency of tools/list and of a read-only tools/call (list_services) over one
# Streamable HTTP session of the official TypeScript SDK client, CALLS times each (default 1000),
# and the size of the tools/list result in tokens.
#
#   bench/mcp/run.sh            (env INK_BUILD_DIR, default <repo>/build; CALLS=1000)
#
# Starts its own inkd (temp data dir, port-0 listeners, instance name benchmcp-<random>) with one
# project running one echo-server service (runc), and removes everything it created at exit.
# Node packages come from test/e2e/mcp (npm ci there if missing); Debian's node runs the client.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${INK_BUILD_DIR:-$repo/build}
inkd_bin=$build/src/cmd/inkd/inkd
edge_bin=$build/src/cmd/ink-edge/ink-edge
for b in "$inkd_bin" "$edge_bin"; do
  [ -x "$b" ] || { echo "missing $b (build first, or set INK_BUILD_DIR)" >&2; exit 1; }
done
[ -d "$repo/test/e2e/mcp/node_modules" ] || (cd "$repo/test/e2e/mcp" && npm ci --no-audit --no-fund)

image=localhost/ink/echo:bench
"$repo/test/fixtures/echo-server/build-image.sh" "$image" >/dev/null

name=benchmcp$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
tmp=$(mktemp -d /tmp/ink-bench-mcp-XXXXXX)
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
    edge_pid=$(awk '{print $1; exit}' "$data/edge.pid" 2>/dev/null || true)
    [ -n "$edge_pid" ] && kill "$edge_pid" 2>/dev/null
  fi
  ids=$(podman ps -aq --filter "label=ink.instance=$name")
  [ -n "$ids" ] && podman rm -f -t 0 $ids >/dev/null 2>&1
  nets=$(podman network ls -q --filter "label=ink.instance=$name")
  [ -n "$nets" ] && podman network rm -f $nets >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

setsid "$inkd_bin" --data-dir "$data" --listen 127.0.0.1:0 --edge-listen 127.0.0.1:0 \
  --edge-binary "$edge_bin" --platform-domain localhost --instance-name "$name" \
  >"$tmp/inkd.log" 2>&1 &
inkd_pid=$!
for _ in $(seq 300); do [ -s "$data/api-url" ] && [ -s "$data/admin-token" ] && break; sleep 0.1; done
api_url=$(cat "$data/api-url")
token=$(cat "$data/admin-token")
auth=(-H "Authorization: Bearer $token")
curl -sf "${auth[@]}" -X POST "$api_url/v1/projects" -d '{"name":"bench"}' >/dev/null
dep=$(curl -sf "${auth[@]}" -X POST "$api_url/v1/projects/bench/deploy" \
  -d "{\"service\":\"web\",\"image\":\"$image\",\"port\":8080,\"runtime_class\":\"runc\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["deployment"]["id"])')
status=$(curl -sf "${auth[@]}" "$api_url/v1/deployments/$dep?wait=120" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["deployment"]["status"])')
[ "$status" = active ] || { echo "deploy ended $status" >&2; exit 1; }

echo "inkd $api_url; $(nproc) cores; node $(node --version); $(date -u +%FT%TZ)"
INK_MCP_URL=$api_url/mcp INK_TEST_TOKEN=$token INK_BENCH_PROJECT=bench CALLS=${CALLS:-1000} \
  node "$repo/bench/mcp/bench.mjs"
