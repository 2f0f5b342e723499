#!/usr/bin/env bash
# Installs whatever CareCircle needs that this machine lacks, then returns.
# Debian as root: installs with apt-get and npm. Anywhere else: prints the
# exact list of what is missing and exits non-zero. Idempotent and quick when
# everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages, each for a reason:
#   build:    cmake ninja-build g++ (native core), googletest libgtest-dev (tests),
#             emscripten (the .wasm), nlohmann-json3-dev (JSON in the core)
#   fuzzing:  clang libclang-rt-14-dev (libFuzzer + sanitizer runtimes)
#   browser:  chromium (headless tests), fonts-wqy-microhei (CJK glyphs, 5 MB)
PACKAGES=(cmake ninja-build g++ googletest libgtest-dev emscripten nlohmann-json3-dev
          clang libclang-rt-14-dev chromium fonts-wqy-microhei libqrcodegencpp-dev zbar-tools)
PACKAGES+=(opencc)  # OpenCC dictionaries + opencc_dict: traditional → simplified table of the moderation core, read at build time
PACKAGES+=(postgresql)  # reference backend and its tests (scripts/backend, private instance, no service)
PACKAGES+=(fonts-dejavu-core fonts-droid-fallback)  # TTF fonts for Satori in npm run bench (it cannot read .ttc)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: Node.js >= 20 with npm is required (Debian: apt-get install nodejs npm)." >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js >= 20 is required, found $(node --version)." >&2
  exit 1
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ ! -f /etc/debian_version ] || ! command -v apt-get >/dev/null; then
    echo "setup: this is not Debian; install the equivalents of: ${missing[*]}" >&2
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages; as root run:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
