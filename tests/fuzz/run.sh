#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer harnesses with clang and runs each for
# FUZZ_SECONDS (default 60) on a copy of its committed corpus. New
# interesting inputs are merged back into tests/fuzz/corpus/<harness>/; a
# crash leaves its input in build/fuzz/ and fails the run: add it to the
# corpus as a regression input once fixed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-${FUZZ_SECONDS:-60}}
build=$root/build/fuzz

CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DPL_FUZZ=ON \
  -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

status=0
for src in "$root"/tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  corpus=$root/tests/fuzz/corpus/$name
  work=$build/corpus-$name
  mkdir -p "$work"
  echo "== $name: ${seconds}s"
  if ! (cd "$build" && "./tests/$name" -max_total_time="$seconds" -max_len=70000 \
    -print_final_stats=1 "$work" "$corpus"); then
    echo "$name: crash; the input is in $build (crash-*)" >&2
    status=1
  fi
  # Keep the committed corpus small: merge only what adds coverage.
  "$build/tests/$name" -merge=1 "$corpus" "$work" >/dev/null 2>&1 || true
done
exit $status
