#!/usr/bin/env bash
# Source coverage of each fuzz target's corpus (build/fuzz/corpus/<target>,
# grown by scripts/fuzz.sh): builds the fuzz targets once more with clang's
# -fprofile-instr-generate -fcoverage-mapping (build/fuzz-cov), replays every
# corpus file once (-runs=0: no mutation), and prints llvm-cov's line, function
# and region coverage of the module's own sources and of json_io.cpp.
# `npm run fuzz` runs it after the fuzzing; alone: bash scripts/fuzz-coverage.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's llvm-14 (pulled in by emscripten and clang) has the versioned names.
LLVM_COV=$(command -v llvm-cov || command -v llvm-cov-14)
LLVM_PROFDATA=$(command -v llvm-profdata || command -v llvm-profdata-14)

if [ ! -f build/fuzz-cov/build.ninja ]; then
  CXX=clang++ cmake -S . -B build/fuzz-cov -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCARECIRCLE_FUZZ=ON -DCARECIRCLE_COVERAGE=ON >/dev/null
fi
# target → the core sources it is meant to reach
declare -A sources=(
  [fuzz_streak]="core/streak/streak.cpp core/streak/streak_json.cpp core/common/civil_date.cpp"
  [fuzz_eligibility]="core/eligibility/eligibility.cpp core/eligibility/eligibility_json.cpp core/eligibility/campaign.cpp"
  [fuzz_referral]="core/referral/referral_graph.cpp core/referral/referral_json.cpp core/referral/referral_view.cpp core/referral/tree_layout.cpp"
  [fuzz_community]="core/community/community_json.cpp core/community/community_koc.cpp core/community/community_members.cpp core/community/community_report.cpp"
  [fuzz_moderation]="core/moderation/moderation.cpp core/moderation/moderation_json.cpp core/moderation/moderation_matcher.cpp core/moderation/moderation_text.cpp"
  [fuzz_poster]="core/poster/poster.cpp core/poster/poster_json.cpp core/poster/poster_layout.cpp core/poster/poster_svg.cpp core/poster/poster_text.cpp core/common/qr.cpp core/referral/referral_code.cpp core/referral/referral_code_json.cpp"
)
cmake --build build/fuzz-cov --target "${!sources[@]}"

printf '%-18s %8s %10s %10s %10s\n' target inputs lines functions regions
for target in $(printf '%s\n' "${!sources[@]}" | sort); do
  corpus=build/fuzz/corpus/$target
  if [ ! -d "$corpus" ]; then
    echo "$target: no corpus yet (run npm run fuzz first)" >&2
    continue
  fi
  raw=build/fuzz-cov/$target.profraw
  rm -f "$raw"
  LLVM_PROFILE_FILE=$raw "build/fuzz-cov/tests/$target" -runs=0 "$corpus" >/dev/null 2>&1
  "$LLVM_PROFDATA" merge -sparse "$raw" -o "build/fuzz-cov/$target.profdata"
  # shellcheck disable=SC2086
  total=$("$LLVM_COV" report "build/fuzz-cov/tests/$target" -instr-profile="build/fuzz-cov/$target.profdata" \
    ${sources[$target]} core/common/json_io.cpp | grep '^TOTAL')
  # TOTAL regions missed cover% functions missed exec% lines missed cover% branches…
  read -r _ _ _ regions _ _ functions _ _ lines _ <<<"$total"
  printf '%-18s %8s %10s %10s %10s\n' "$target" "$(find "$corpus" -type f | wc -l)" "$lines" "$functions" "$regions"
done
