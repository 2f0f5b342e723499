#!/usr/bin/env bash
# Builds the core natively (library, GoogleTest, CLI) and to WebAssembly
# (build/wasm/core.mjs + core.wasm). Incremental; configures on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

configure() {  # dir, extra cmake args...
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  fi
}

# One line per part with its elapsed time, to see where a slow build goes.
took() { echo "build: $1 took $((SECONDS / 60)) min $((SECONDS % 60)) s"; SECONDS=0; }

SECONDS=0
configure build/native
cmake --build build/native
took native
# Skip emcmake (its Node emulator flag breaks on Node 20: docs/toolchain.md, trap 4).
configure build/wasm -DCMAKE_TOOLCHAIN_FILE=/usr/share/emscripten/cmake/Modules/Platform/Emscripten.cmake \
  -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node
cmake --build build/wasm
took wasm
# TypeScript declarations beside core.mjs, from docs/schema/ (build/wasm/core.d.ts).
node scripts/gen-types.mjs build/wasm >/dev/null
# WeChat's JS-SDK from npm as an ES module in the served tree (web/vendor/, not committed).
node scripts/vendor-jweixin.mjs >/dev/null
# The hospital desk's browser libraries (csv-parse, zxing-wasm's reader) the same way.
node scripts/vendor-desk.mjs >/dev/null
# The production build of the shell (build/web/, not committed): bundled,
# minified, content-hashed, precached by its service worker (scripts/build-web.mjs).
node scripts/build-web.mjs --quiet
took "web (types, vendored libraries, production shell)"
