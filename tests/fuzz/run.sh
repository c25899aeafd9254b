#!/usr/bin/env bash
# Builds and runs the libFuzzer targets (docs/testing.md, "Fuzzing").
#
#   tests/fuzz/run.sh smoke [TARGET...]   fixed -runs per target over the seed
#                                          corpus and the regressions (make test-fuzz)
#   tests/fuzz/run.sh long  [TARGET...]   FUZZ_SECONDS per target from a fresh work
#                                          corpus seeded with the committed one (make fuzz)
#   tests/fuzz/run.sh build [TARGET...]   only builds (make test builds while other
#                                          suites run, then runs smoke)
#
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_SECONDS (long, default
# 600), FUZZ_JOBS (targets run at once, default 1), FUZZ_RUNS (smoke: runs
# for every target instead of the table below), JOBS (build parallelism).
# Crashes go to $FUZZ_BUILD_DIR/crashes/TARGET/. Ends with the line
# "fuzz: N passed, M failed" and exits non-zero when M > 0.
set -uo pipefail

mode="${1:-}"
[[ "$mode" == smoke || "$mode" == long || "$mode" == build ]] || { echo "usage: $0 smoke|long|build [TARGET...]" >&2; exit 2; }
shift
src="$(cd "$(dirname "$0")/../.." && pwd)"
here="$src/tests/fuzz"
build="$(realpath -m "${FUZZ_BUILD_DIR:-$src/build-fuzz}")"
seconds="${FUZZ_SECONDS:-600}"
jobs="${FUZZ_JOBS:-1}"

# Smoke runs per target: together about 40 s on a quiet 2-core machine.
# -seed=1 and a fixed corpus make the runs (nearly: libFuzzer's scheduling
# also looks at timing) the same each time; a crash's input is saved anyway.
declare -A smoke_runs=(
  [ws_frame]=12000 [http_request]=25000 [protocol]=60000
  [stun]=50000 [coturn_log]=6000 [config]=4000 [jwt]=40000
)
# Seed directories beyond corpus/TARGET and regressions/TARGET.
declare -A extra_seeds=([config]="$src/config")

targets=("$@")
(( ${#targets[@]} )) || targets=(ws_frame http_request protocol stun coturn_log config jwt)

compiler="$(command -v clang++-15 || true)"
[[ -n "$compiler" ]] || { echo "fuzz: clang++-15 not found (make test-deps installs it)" >&2; exit 1; }
export CCACHE_NOHASHDIR=1
gen=()
[[ ! -f "$build/CMakeCache.txt" ]] && command -v ninja >/dev/null && gen=(-G Ninja)
cmake "${gen[@]}" -S "$here" -B "$build" -DCMAKE_CXX_COMPILER="$compiler" >/dev/null || exit 1
cmake --build "$build" -j"${JOBS:-$(nproc)}" --target "${targets[@]/#/fuzz_}" || exit 1
[[ "$mode" == build ]] && exit 0

symbolizer="$(command -v llvm-symbolizer-15 || command -v llvm-symbolizer || true)"
[[ -n "$symbolizer" ]] && export ASAN_SYMBOLIZER_PATH="$symbolizer"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:halt_on_error=1:symbolize=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:symbolize=1"

results="$build/results"
rm -rf "$results"
mkdir -p "$results"

# Runs one target; writes "ok|failed <summary>" to $results/TARGET.
run_target() {
  local t="$1" work log status
  local crashes="$build/crashes/$t"
  mkdir -p "$crashes"
  local args=(-seed=1 -print_final_stats=1 -timeout=60 -artifact_prefix="$crashes/")
  [[ -f "$here/dict/$t.dict" ]] && args+=(-dict="$here/dict/$t.dict")
  if [[ "$mode" == smoke ]]; then
    work="$build/smoke-work/$t"
    args+=(-runs="${FUZZ_RUNS:-${smoke_runs[$t]}}")
  else
    work="$build/corpus-work/$t"
    args+=(-max_total_time="$seconds")
  fi
  rm -rf "$work"
  mkdir -p "$work"
  local dirs=("$work" "$here/corpus/$t")
  [[ -d "$here/regressions/$t" ]] && dirs+=("$here/regressions/$t")
  [[ -n "${extra_seeds[$t]:-}" ]] && dirs+=("${extra_seeds[$t]}")
  log="$build/logs/$t.log"
  mkdir -p "$(dirname "$log")"
  local before after start=$SECONDS
  before=$(find "$crashes" -type f | wc -l)
  # stdin from /dev/null: nothing a config target reads may block on a terminal.
  "$build/fuzz_$t" "${args[@]}" "${dirs[@]}" </dev/null >"$log" 2>&1
  status=$?
  after=$(find "$crashes" -type f | wc -l)
  local execs cov ft
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o ' cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  ft=$(grep -o ' ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  local summary="${execs:-?} execs, cov ${cov:-?}, ft ${ft:-?}, $((after - before)) crashes, $((SECONDS - start))s"
  if (( status == 0 && after == before )); then
    echo "ok $summary" >"$results/$t"
  else
    echo "failed $summary (exit $status, log $log)" >"$results/$t"
    { echo "---- fuzz_$t (last lines of $log) ----"; grep -v '^#[0-9]' "$log" | tail -60; } >&2
  fi
}

echo "fuzz ($mode): ${targets[*]}$([[ $mode == long ]] && echo ", ${seconds}s each")"
for t in "${targets[@]}"; do
  while (( $(jobs -rp | wc -l) >= jobs )); do wait -n; done
  run_target "$t" &
done
wait

passed=0
failed=0
for t in "${targets[@]}"; do
  read -r verdict summary <"$results/$t" || { verdict=failed; summary="no result"; }
  printf 'fuzz %-13s %-6s %s\n' "$t" "$verdict" "$summary"
  if [[ "$verdict" == ok ]]; then ((passed++)); else ((failed++)); fi
done
echo "fuzz: $passed passed, $failed failed"
(( failed == 0 ))
