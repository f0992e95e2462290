#!/usr/bin/env bash
# Postgres template: deploy to healthy (cold and cached) and pgbench inside Ink (gVisor) beside
# the same PostgreSQL 15 on the host, in one run (see bench.py for what and how;
# docs/BENCHMARKS.md for results). Binaries from $INK_BUILD_DIR (default <repo>/build).
# Usage: bench/postgres/run.sh [--rounds 3] [--duration 30] [--clients 4] [--threads 2]
#                              [--scale 10] [--cached 3] [--variants tcp,tcp-async,unix,rootfs]
set -euo pipefail
for tool in python3 podman runsc pgbench /usr/lib/postgresql/15/bin/postgres; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/prepare-host.sh; apt-get install postgresql-15)" >&2; exit 2; }
done
exec python3 -u "$(dirname "$0")/bench.py" "$@"
