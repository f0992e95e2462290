#!/usr/bin/env bash
# One command to run Ink on this machine (Debian bookworm, root): installs what is missing,
# prepares the host, builds, creates the local base image, starts inkd (which starts ink-edge)
# on the embedded default, and prints where to reach it. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_DIR=${INK_DATA_DIR:-/var/lib/ink}
API_LISTEN=${INK_LISTEN:-127.0.0.1:7070}
EDGE_LISTEN=${INK_EDGE_LISTEN:-127.0.0.1:8080}

./scripts/prepare-host.sh                 # apt packages, ulimits, cgroup fix, gVisor wrapper
./scripts/build.sh inkd ink ink-edge ink-build-runtime  # C++ build (Ninja)
install -m 0755 build/src/cmd/inkd/inkd build/src/cmd/ink/ink build/src/cmd/ink-edge/ink-edge \
  build/src/cmd/ink-build-runtime/ink-build-runtime /usr/local/bin/
./scripts/build-base-image.sh             # localhost/ink/base:bookworm via mmdebstrap

mkdir -p "$DATA_DIR"
if [ -f "$DATA_DIR/inkd.pid" ] && kill -0 "$(cat "$DATA_DIR/inkd.pid")" 2>/dev/null; then
  echo "inkd already running (pid $(cat "$DATA_DIR/inkd.pid")); restarting it"
  kill "$(cat "$DATA_DIR/inkd.pid")"
  for _ in $(seq 50); do kill -0 "$(cat "$DATA_DIR/inkd.pid")" 2>/dev/null || break; sleep 0.1; done
fi
rm -f "$DATA_DIR/api-url"
setsid nohup /usr/local/bin/inkd --data-dir "$DATA_DIR" --listen "$API_LISTEN" \
  --edge-listen "$EDGE_LISTEN" >>"$DATA_DIR/inkd.log" 2>&1 < /dev/null &
echo $! > "$DATA_DIR/inkd.pid"
for _ in $(seq 300); do [ -s "$DATA_DIR/api-url" ] && break; sleep 0.1; done
if [ ! -s "$DATA_DIR/api-url" ]; then
  echo "inkd did not start; last lines of $DATA_DIR/inkd.log:"; tail -20 "$DATA_DIR/inkd.log"; exit 1
fi
API_URL=$(cat "$DATA_DIR/api-url")
ink login --api-url "$API_URL" --token-file "$DATA_DIR/admin-token" >/dev/null
cat <<MSG

Ink is running.
  API:          $API_URL   (log: $DATA_DIR/inkd.log, pid file: $DATA_DIR/inkd.pid)
  Edge:         $(cat "$DATA_DIR/edge-url" 2>/dev/null)   (services at http://<service>-<project>.localhost:${EDGE_LISTEN##*:})
  Admin token:  $DATA_DIR/admin-token (mode 0600); the ink CLI is already logged in.

Try (from $PWD):
  ink projects create demo
  ink deploy examples/hello --project demo --service web --wait
  curl http://web-demo.localhost:${EDGE_LISTEN##*:}/
MSG
