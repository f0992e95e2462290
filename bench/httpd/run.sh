#!/usr/bin/env bash
# Measures inkd's HTTP server under idle and slow clients beside nginx, and /v1/health while
# 500 get_deployment {wait} callers wait (see bench.py for what and how; docs/BENCHMARKS.md
# for results). Usage: bench/httpd/run.sh [--inkd PATH] [--counts 300,1000] [--waiters 500]
set -euo pipefail
for tool in nginx python3 podman; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install nginx-light)" >&2; exit 2; }
done
exec python3 "$(dirname "$0")/bench.py" "$@"
