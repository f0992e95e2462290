#!/usr/bin/env bash
# Build benchmark: Ink's build pipeline vs a hand-written Dockerfile, for the Node sample app
# (test/fixtures/apps/node: Express + an `npm run build` step).
#
#   bench/build/run.sh            (env INK_BUILD_DIR, default <repo>/build)
#
# Runs everything in a fresh, private podman storage (CONTAINERS_STORAGE_CONF in a temp dir, the
# base image loaded into it) so "cold" really is cold and other users' caches are untouched.
#   1. Ink cold: `ink deploy --git file://... --wait` of a fresh service; the build time (from the
#      build log) and deploy-to-active time.
#   2. Ink warm: a one-line change to src/page.html, committed and pushed, then deployed again;
#      build time, and source-change-to-live-URL (push → the edge serves the new text).
#   3. Ink no-op: the same commit deployed again.
#   4. The same three with `podman build` of bench/build/node.Dockerfile (cold with --no-cache).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${INK_BUILD_DIR:-$repo/build}
inkd_bin=$build/src/cmd/inkd/inkd
ink_bin=$build/src/cmd/ink/ink
edge_bin=$build/src/cmd/ink-edge/ink-edge
for b in "$inkd_bin" "$ink_bin" "$edge_bin"; do
  [ -x "$b" ] || { echo "missing $b (build first, or set INK_BUILD_DIR)" >&2; exit 1; }
done
name=bbench$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
tmp=$(mktemp -d /tmp/ink-build-bench-XXXXXX)
inkd_pid=
cleanup() {
  set +e
  [ -n "$inkd_pid" ] && kill "$inkd_pid" 2>/dev/null && sleep 2
  podman ps -aq --filter "label=ink.instance=$name" | xargs -r podman rm -f >/dev/null 2>&1
  podman network ls -q --filter "label=ink.instance=$name" | xargs -r podman network rm >/dev/null 2>&1
  # Images live in the private storage only (CONTAINERS_STORAGE_CONF, set below); networks are
  # host-wide, so only the ones labelled with this instance were removed above.
  if [ -n "${CONTAINERS_STORAGE_CONF:-}" ]; then
    podman rmi -a -f >/dev/null 2>&1
    grep -o "$tmp/[^ ]*" /proc/mounts | xargs -r -n1 umount -l 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# A private storage with the base image in it.
mkdir -p "$tmp/graph" "$tmp/run"
podman save localhost/ink/base:bookworm -o "$tmp/base.tar" >/dev/null
cat > "$tmp/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$tmp/graph"
runroot = "$tmp/run"
CONF
export CONTAINERS_STORAGE_CONF=$tmp/storage.conf
podman load -i "$tmp/base.tar" >/dev/null
rm "$tmp/base.tar"

# The app in a git repository served over file://.
work=$tmp/work
cp -r "$repo/test/fixtures/apps/node" "$work"
git -C "$work" init -q -b main
git -C "$work" add -A
git -C "$work" -c user.email=b@ink -c user.name=bench commit -qm initial
git clone -q --bare "$work" "$tmp/app.git"
url=file://$tmp/app.git
commit() { git -C "$work" -c user.email=b@ink -c user.name=bench commit -qam "$1"; git -C "$work" push -q "$tmp/app.git" HEAD:main; }

mkdir -p "$tmp/data"
setsid "$inkd_bin" --data-dir "$tmp/data" --listen 127.0.0.1:0 --edge-listen 127.0.0.1:0 \
  --edge-binary "$edge_bin" --instance-name "$name" >"$tmp/inkd.log" 2>&1 &
inkd_pid=$!
for _ in $(seq 100); do [ -s "$tmp/data/edge-url" ] && break; sleep 0.2; done
export INK_CONFIG=$tmp/config.json
"$ink_bin" login --api-url "$(cat "$tmp/data/api-url")" --token-file "$tmp/data/admin-token" >/dev/null
"$ink_bin" projects create bench >/dev/null
edge=$(cat "$tmp/data/edge-url")

build_seconds() {  # the build time of a deployment, from its build log
  sed -n 's/.*\[ink\] built .* in \([0-9]*\)s$/\1/p' "$tmp/data/builds/$1.log"
}
deploy() {  # prints "<deployment id> <seconds to active>"
  local t0 id
  t0=$(now)
  id=$("$ink_bin" deploy --git "$url" --project bench --service web --runtime runc --wait \
       --timeout 900s --json 2>/dev/null | jq -r .deployment.id)
  echo "$id $(elapsed "$t0" "$(now)")"
}
serves() { curl -s -H "Host: web-bench.localhost" "$edge/" | grep -q "$1"; }

read -r cold_id cold_total < <(deploy)
serves "Hello from Node.js" || { echo "the app does not answer" >&2; exit 1; }
sed -i 's/Hello from Node.js/Hello again from Node.js/' "$work/src/page.html"
t0=$(now)
commit "one-line change"
read -r warm_id warm_total < <(deploy)
until serves "Hello again"; do sleep 0.05; done
warm_live=$(elapsed "$t0" "$(now)")
read -r noop_id noop_total < <(deploy)

# The hand-written Dockerfile, same storage (cold: --no-cache).
git -C "$work" checkout -q HEAD~1 -- src/page.html
hand() {
  local t0
  t0=$(now)
  podman --runtime crun build --layers "$@" \
    --volume /etc/ssl/certs/ca-certificates.crt:/etc/ink/host-ca.crt:ro \
    -f "$repo/bench/build/node.Dockerfile" -t localhost/bench/node:hand "$work" >/dev/null 2>&1
  elapsed "$t0" "$(now)"
}
hand_cold=$(hand --no-cache)
sed -i 's/Hello from Node.js/Hello again from Node.js/' "$work/src/page.html"
hand_warm=$(hand)
hand_noop=$(hand)

printf '| case | Ink build (s) | Ink deploy to active (s) | hand-written Dockerfile, podman build (s) |\n'
printf '|---|---|---|---|\n'
printf '| cold (empty layer cache) | %s | %s | %s |\n' "$(build_seconds "$cold_id")" "$cold_total" "$hand_cold"
printf '| warm: one-line change in src/page.html | %s | %s | %s |\n' "$(build_seconds "$warm_id")" "$warm_total" "$hand_warm"
printf '| no-op redeploy (same commit) | %s | %s | %s |\n' "$(build_seconds "$noop_id")" "$noop_total" "$hand_noop"
printf '\nsource change (git push) to the new text at the live URL, warm: %ss\n' "$warm_live"
