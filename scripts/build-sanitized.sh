#!/usr/bin/env bash
# Configures and builds Ink with clang, ASan and UBSan into ./build-san (INK_SANITIZE=ON): the
# unit tests under the sanitizers and the libFuzzer targets. -O1 with line tables only keeps the
# compile short; ccache when present.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
# Paths inside the checkout are hashed relative to the build dir, and the build dir itself is not
# hashed, so any clean checkout (CI's, a worktree) reuses the objects another checkout compiled.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
CC=clang-14 CXX=clang++-14 cmake -S . -B build-san -G Ninja -DINK_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -gline-tables-only" \
  -DCMAKE_C_FLAGS_SANITIZE="-O1 -gline-tables-only" "${launcher[@]}" >/dev/null
ninja -C build-san -j"$(nproc)" "$@"
