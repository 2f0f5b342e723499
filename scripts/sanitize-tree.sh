#!/usr/bin/env bash
# The one sanitizer tree, build/asan: clang with ASan + UBSan everywhere and
# libFuzzer's coverage instrumentation on the core (CARECIRCLE_FUZZ), so the
# GoogleTest suite under the sanitizers and the fuzz targets link the same
# compiled core. Configures on first use (or when the folder holds another
# kind of tree), then builds the targets named on the command line:
#   bash scripts/sanitize-tree.sh core_tests
#   bash scripts/sanitize-tree.sh fuzz_streak fuzz_poster
# -O1 with line tables only: what the sanitizers are meant to run at, at a
# fraction of the compile time of -O2 -g (docs/toolchain.md, "Build times").
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build/asan

cache=$dir/CMakeCache.txt
if [ ! -f "$dir/build.ninja" ] || ! grep -q '^CARECIRCLE_FUZZ:BOOL=ON$' "$cache" \
    || ! grep -q '^CMAKE_CXX_COMPILER:.*clang++' "$cache"; then
  rm -rf "$dir"
  CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO='-O1 -gline-tables-only -DNDEBUG' \
    -DCARECIRCLE_SANITIZE=ON -DCARECIRCLE_FUZZ=ON >/dev/null
fi
cmake --build "$dir" --target "$@"
