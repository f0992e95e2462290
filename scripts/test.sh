#!/usr/bin/env bash
# One command to run Ink's whole test suite on a fresh Debian bookworm machine (root):
# installs and prepares what the tests need, builds, then runs unit, integration and
# end-to-end tests (CTest; e2e tests run side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/prepare-host.sh
./scripts/build.sh
./scripts/build-base-image.sh
./scripts/build-sanitized.sh
./scripts/prune-test-images.sh
# Unit and integration tests, then the same unit tests under ASan/UBSan and every fuzz target
# for its bounded time (build-san), then the end-to-end tests side by side.
ctest --test-dir build --output-on-failure -j2 --timeout 900 -LE 'e2e'
ctest --test-dir build-san --output-on-failure -j2 --timeout 900 -L 'unit|fuzz'
ctest --test-dir build --output-on-failure -j"${INK_E2E_JOBS:-3}" --timeout 900 -L e2e
