#!/usr/bin/env bash
# Configures and builds Ink with clang, ASan and UBSan into ./build-san (INK_SANITIZE=ON): the
# unit tests under the sanitizers and the libFuzzer targets. -O1 with line tables only keeps the
# compile short; ccache when present.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
CC=clang-14 CXX=clang++-14 cmake -S . -B build-san -G Ninja -DINK_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -gline-tables-only" \
  -DCMAKE_C_FLAGS_SANITIZE="-O1 -gline-tables-only" "${launcher[@]}" >/dev/null
ninja -C build-san -j"$(nproc)" "$@"
