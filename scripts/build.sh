#!/usr/bin/env bash
# Configures and builds Ink into ./build (Ninja, parallel, ccache when present).
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
# Paths inside the checkout are hashed relative to the build dir, and the build dir itself is not
# hashed, so any clean checkout (CI's, a worktree) reuses the objects another checkout compiled.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
ninja -C build -j"$(nproc)" "$@"
