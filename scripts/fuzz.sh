#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang, ASan and UBSan into
# build-fuzz/ (or $CRE_FUZZ_BUILD_DIR), replays their committed corpora
# (ctest -L fuzz), then fuzzes each for $CRE_FUZZ_SECONDS seconds (default
# 60). Each run starts from a copy of the committed corpus under the build
# directory (the source tree is never written); a crash, leak, UB report or
# hang leaves its input in BUILD/fuzz/TARGET/artifacts/ and fails the script.
#
#   scripts/fuzz.sh                       all targets, 60 s each
#   CRE_FUZZ_SECONDS=600 scripts/fuzz.sh case_file_fuzzer
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CRE_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${CRE_FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(request_validation_fuzzer case_file_fuzzer)
"$root/scripts/setup.sh"

export CC=clang CXX=clang++
# -g1, as in test-asan.sh: a report's files and lines, built sooner.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCRE_FUZZ=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DCRE_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

# Every input that once found a bug is in the committed corpus: replay first.
regex=$(IFS='|'; echo "^(${targets[*]})\\.corpus$")
ctest --test-dir "$build" -L fuzz -R "$regex" --output-on-failure

export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
failed=()
for target in "${targets[@]}"; do
  work="$build/fuzz/$target"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp "$root/tests/fuzz/corpus/$target/"* "$work/corpus/"
  options=(-max_total_time="$seconds" -timeout=25 -print_final_stats=1
           -artifact_prefix="$work/artifacts/")
  dict="$root/tests/fuzz/$target.dict"
  [ -f "$dict" ] && options+=(-dict="$dict")
  echo "fuzz: $target for ${seconds}s (log: $work/fuzz.log)"
  if "$build/tests/fuzz/$target" "${options[@]}" "$work/corpus" >"$work/fuzz.log" 2>&1; then
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/fuzz.log" | tail -1 || true)
    rate=$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$work/fuzz.log")
    echo "fuzz: $target passed: ${done_line:-no DONE line} (${rate:-?} exec/s)"
  else
    failed+=("$target")
    echo "fuzz: $target FAILED; the input is in $work/artifacts/:" >&2
    ls -l "$work/artifacts" >&2
    tail -60 "$work/fuzz.log" >&2
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} of ${#targets[@]} targets failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
