#!/usr/bin/env bash
# Every suite of `make test`, on a 2-core machine in as little wall time as
# the work allows. Compiling is CPU-bound and most test time is waiting
# (servers, browsers, Redis, timeouts), so each build after the first runs
# under `nice` while the previous build's tests run:
#
#   1. release build (everything)
#   2. release ctest (all but container)   | ASan+UBSan build        (nice)
#      | container suite: the image build at once (network and ccache
#        hits mostly), its tests once the release tests are done (both
#        drive browsers)
#   3. ASan ctest -L 'unit|integration'    | TSan build, fuzz build  (nice)
#   4. TSan: core_test, ctest -L integration with 4 event-loop threads
#                                          | fuzz smoke run          (nice)
#
# A stage's parallel halves write logs under build-logs/; each log is printed
# whole when its stage ends, with the time it took. A failing stage stops the
# run after its other half has finished; the last lines name what failed.
#
# Environment: JOBS (default nproc), CMAKE_ARGS and SAN_ARGS (from the
# Makefile), CTEST (the ctest command line).
set -uo pipefail
cd "$(dirname "$0")/.."

jobs="${JOBS:-$(nproc)}"
ctest_cmd="${CTEST:-ctest --output-on-failure --no-tests=error --timeout 300 -j$jobs}"
# Both hold quoted flag lists (-D...="-O1 -g1"): let the shell split them.
eval "cmake_args=(${CMAKE_ARGS:-})"
eval "san_args=(${SAN_ARGS:-})"
logs="$PWD/build-logs"
rm -rf "$logs"
mkdir -p "$logs"
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

# configure DIR ARGS...: a new build dir uses Ninja when it is installed; an
# existing one keeps its generator.
configure() {
  local dir="$1"
  shift
  local gen=()
  if [[ ! -f "$dir/CMakeCache.txt" ]] && command -v ninja >/dev/null; then gen=(-G Ninja); fi
  cmake "${gen[@]}" -S . -B "$dir" "$@" >/dev/null
}

release_build() { configure build "${cmake_args[@]}" -DSWITCHBOARD_TESTS=ON && cmake --build build -j"$jobs"; }
release_tests() {
  (cd build && $ctest_cmd -LE container)
  local status=$?
  touch "$logs/release-tests.done"
  return $status
}
# tests/container: the images now (the image build, the cluster profile's
# stand-ins); the tests, which drive browsers, after the release tests.
container_suite() {
  (cd build && $ctest_cmd -R '^container_(image|standins)$') || return 1
  while [[ ! -e "$logs/release-tests.done" ]]; do sleep 2; done
  (cd build && $ctest_cmd -L container -E '^container_(image|standins)$' -FS 'switchboard_(image|standins)')
}
asan_build() {
  configure build-asan "${san_args[@]}" -DSWITCHBOARD_SANITIZE=address -DSWITCHBOARD_TESTS=ON &&
    nice -n 15 cmake --build build-asan -j"$jobs"
}
asan_tests() {
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    $ctest_cmd -L 'unit|integration')
}
# Only the binaries TSan runs: -L integration then selects just them.
tsan_targets=(integration_test core_test cluster_replicas_test)
tsan_and_fuzz_build() {
  configure build-tsan "${san_args[@]}" -DSWITCHBOARD_SANITIZE=thread -DSWITCHBOARD_TESTS=ON &&
    nice -n 15 cmake --build build-tsan -j"$jobs" --target "${tsan_targets[@]}" &&
    JOBS="$jobs" nice -n 15 bash tests/fuzz/run.sh build
}
tsan_tests() {
  (cd build-tsan && export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 &&
    ./tests/unit/core_test --gtest_brief=1 &&
    SWITCHBOARD_TEST_THREADS=4 $ctest_cmd -L integration)
}
fuzz_smoke() { JOBS="$jobs" nice -n 15 bash tests/fuzz/run.sh smoke; }

failed=()
summary=()

# run_stage NAME FN [NAME FN]: the halves at once; each one's log printed when done.
run_stage() {
  local names=() pids=() starts=()
  while (($#)); do
    local name="$1" fn="$2"
    shift 2
    names+=("$name")
    starts+=("$SECONDS")
    "$fn" >"$logs/$name.log" 2>&1 &
    pids+=("$!")
  done
  local i status
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}"
    status=$?
    local took=$((SECONDS - starts[i]))
    echo "==== ${names[$i]}: $([[ $status == 0 ]] && echo ok || echo "FAILED (exit $status)"), ${took}s ===="
    cat "$logs/${names[$i]}.log"
    summary+=("$(printf '%-22s %-6s %5ss' "${names[$i]}" "$([[ $status == 0 ]] && echo ok || echo FAILED)" "$took")")
    ((status == 0)) || failed+=("${names[$i]}")
  done
}

finish() {
  echo "==== make test: stages ===="
  printf '%s\n' "${summary[@]}"
  echo "total ${SECONDS}s"
  if ((${#failed[@]})); then
    echo "make test: FAILED: ${failed[*]} (logs in $logs)"
    exit 1
  fi
  echo "make test: all suites passed"
  exit 0
}

run_stage release-build release_build
((${#failed[@]})) && finish
run_stage release-tests release_tests container container_suite asan-build asan_build
((${#failed[@]})) && finish
run_stage asan-tests asan_tests tsan-fuzz-build tsan_and_fuzz_build
((${#failed[@]})) && finish
run_stage tsan-tests tsan_tests fuzz-smoke fuzz_smoke
finish
