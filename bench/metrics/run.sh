#!/usr/bin/env bash
# Metrics cost: MetricsStore + Summarize + PrometheusText for 50 services sampled every 10 s over a
# simulated hour (and a simulated day), in one process; prints CPU seconds and RSS.
# Usage: bench/metrics/run.sh [build dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"
ninja -C "$build" ink_metrics_bench >/dev/null
"$build/src/metrics/ink_metrics_bench" 50 3600
"$build/src/metrics/ink_metrics_bench" 50 86400
