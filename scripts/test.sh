#!/usr/bin/env bash
# One command to run Ink's whole test suite on a fresh Debian bookworm machine (root):
# installs and prepares what the tests need, builds, then runs unit, integration and
# end-to-end tests (CTest; e2e tests run side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/prepare-host.sh
./scripts/build.sh
./scripts/build-base-image.sh
./scripts/prune-test-images.sh
cd build
ctest --output-on-failure -j2 --timeout 900 -LE 'e2e' 
ctest --output-on-failure -j"${INK_E2E_JOBS:-3}" --timeout 900 -L e2e
