#!/usr/bin/env bash
# Builds the core with AddressSanitizer + UndefinedBehaviorSanitizer under clang, then either
#   tests/fuzz/run.sh fuzz [SECONDS] [HARNESS...]   runs each libFuzzer harness (default: all, 60 s each) on a
#                                                   copy of its seed corpus and prints executions and coverage;
#   tests/fuzz/run.sh tests                         runs the core's test suites under the sanitizers.
# The build goes to build-sanitize/ (most of the core, with sanitizers: long on 2 cores). Findings stop the run with
# the sanitizer's report; a harness's crash input is written to build-sanitize/fuzz-findings/.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-fuzz}
shift || true
command -v clang++ >/dev/null || { echo "run.sh: needs clang (Debian package clang)" >&2; exit 1; }
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DUNIPOSE_FUZZ=ON \
  -DUNIPOSE_BUILD_GUI=OFF -DUNIPOSE_BUILD_BENCHMARKS=OFF -DUNIPOSE_BUILD_TESTS=ON > build-sanitize.configure.log
# LibTorch and OpenCV are not instrumented: leaks inside them and ODR notes about their copies are not ours.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:detect_odr_violation=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
case "$mode" in
  fuzz)
    seconds=${1:-60}
    shift || true
    harnesses=("$@")
    [ ${#harnesses[@]} -gt 0 ] || harnesses=(pose_json npz bvh safetensors config sha256sums corpus text tfjs image)
    cmake --build build-sanitize -j2 --target "${harnesses[@]/#/fuzz_}"
    mkdir -p build-sanitize/fuzz-findings
    for h in "${harnesses[@]}"; do
      work=build-sanitize/fuzz-corpus/$h
      mkdir -p "$work"
      cp -n tests/fuzz/corpus/"$h"/* "$work"/ 2>/dev/null || true
      echo "== fuzz_$h ($seconds s)"
      build-sanitize/bin/fuzz_"$h" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -timeout=20 \
        -artifact_prefix=build-sanitize/fuzz-findings/"$h"- -print_final_stats=1 "$work" 2>&1 |
        grep -E "^#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|ERROR|finding|SUMMARY|runtime error" || true
    done
    ;;
  tests)
    cmake --build build-sanitize -j2
    ctest --test-dir build-sanitize -j2 --output-on-failure -E "^(Cli|PhotoCli|GuiTest)\\." "$@"
    ;;
  *)
    echo "usage: tests/fuzz/run.sh fuzz [SECONDS] [HARNESS...] | tests [CTEST ARGS]" >&2
    exit 2
    ;;
esac
