#!/usr/bin/env bash
# Builds the libFuzzer targets in the sanitizer tree (build/asan, clang, ASan +
# UBSan, the same compiled core as the GoogleTest suite under the sanitizers:
# scripts/sanitize-tree.sh) and runs each for FUZZ_SECONDS (default 60),
# seeded with the golden fixtures and a JSON dictionary. Corpora, crash
# artifacts and logs stay in build/fuzz/. `npm test` runs a short smoke pass;
# `npm run fuzz` a long one, followed by the source coverage of every corpus
# (scripts/fuzz-coverage.sh; FUZZ_COVERAGE=0 skips it). Exit status is
# non-zero if any target finds a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}

# target → fixture folder that seeds it
declare -A seeds=([fuzz_streak]=tests/fixtures/streak [fuzz_eligibility]=tests/fixtures/eligibility [fuzz_community]=tests/fixtures/community [fuzz_moderation]=tests/fixtures/moderation [fuzz_referral]=tests/fixtures/referral [fuzz_poster]=tests/fixtures/poster)  # add: [fuzz_<module>]=tests/fixtures/<module>
bash scripts/sanitize-tree.sh "${!seeds[@]}"

status=0
for target in "${!seeds[@]}"; do
  corpus=build/fuzz/corpus/$target
  mkdir -p "$corpus" build/fuzz/artifacts
  find "${seeds[$target]}" -name '*.json' ! -name '*.expected.json' -exec cp {} "$corpus/" \;
  echo "fuzz: $target for ${seconds}s"
  if ! "build/asan/tests/$target" "$corpus" -dict=tests/fuzz/json.dict -max_total_time="$seconds" \
      -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix=build/fuzz/artifacts/ 2> "build/fuzz/$target.log"; then
    echo "fuzz: $target FAILED — see build/fuzz/$target.log and build/fuzz/artifacts/" >&2
    tail -40 "build/fuzz/$target.log" >&2
    status=1
  else
    grep -E 'stat::number_of_executed_units|cov:' "build/fuzz/$target.log" | tail -2
  fi
done
if [ "$status" = 0 ] && [ "${FUZZ_COVERAGE:-1}" = 1 ]; then
  bash scripts/fuzz-coverage.sh
fi
exit $status
