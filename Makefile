# Switchboard's entry points. Each works on a fresh Debian 12 machine as root:
# missing packages are installed by deploy/install-deps.sh first.
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
CONFIG     ?= config/switchboard.yaml
WERROR     ?= OFF
# RelWithDebInfo with line tables only (-g1): backtraces, perf and sanitizer
# reports keep file:line; full -g made the heaviest Beast files a third slower
# to compile. For a gdb session with locals: make ... DEBUG_INFO=-g.
DEBUG_INFO ?= -g1
CMAKE_ARGS  = -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSWITCHBOARD_WERROR=$(WERROR) \
              -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 $(DEBUG_INFO) -DNDEBUG"
# Sanitizer builds: -O1 with line tables compiles fast and runs well enough.
# Warnings are enforced by the release build; GCC's flow warnings give false
# positives on instrumented code, so -Werror stays off here.
SAN_ARGS    = -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DSWITCHBOARD_WERROR=OFF -DSWITCHBOARD_BENCH=OFF
CTEST       = ctest --output-on-failure --no-tests=error --timeout 300 -j$(JOBS)
# A new build dir uses Ninja when it is installed (deps install it); an
# existing one keeps the generator it was made with.
CONFIGURE   = cmake $$([ -f $(1)/CMakeCache.txt ] || ! command -v ninja >/dev/null || echo -G Ninja) -S . -B $(1)

.PHONY: all build run test test-release test-asan test-tsan test-fuzz fuzz deps test-deps bench bench-cluster clean

all: build

deps:
	@bash deploy/install-deps.sh build

test-deps:
	@bash deploy/install-deps.sh test

build: deps
	@$(call CONFIGURE,build) $(CMAKE_ARGS) -DSWITCHBOARD_TESTS=OFF >/dev/null
	@cmake --build build -j$(JOBS) --target switchboard

run: build
	./build/switchboard serve --config $(CONFIG)

# Every suite: the release build (unit, integration, e2e, deploy, hardening;
# container: the image built and run with podman, tests/container),
# ASan+UBSan (unit, integration), TSan (the core's tests, the signaling
# integration suite with 4 event-loop threads, and the replicas on Redis with
# their own cluster thread; only those binaries are built there, so
# -L integration selects just them), and the libFuzzer smoke run (tests/fuzz).
# tests/run_suites.sh overlaps each build with the previous build's tests and
# prints each stage's time; the test-* targets below run one part alone.
test: test-deps
	@JOBS=$(JOBS) CMAKE_ARGS='$(CMAKE_ARGS)' SAN_ARGS='$(SAN_ARGS)' CTEST='$(CTEST)' bash tests/run_suites.sh

test-release:
	@$(call CONFIGURE,build) $(CMAKE_ARGS) -DSWITCHBOARD_TESTS=ON >/dev/null
	@cmake --build build -j$(JOBS)
	@cd build && $(CTEST)

test-asan:
	@$(call CONFIGURE,build-asan) $(SAN_ARGS) -DSWITCHBOARD_SANITIZE=address >/dev/null
	@cmake --build build-asan -j$(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(CTEST) -L 'unit|integration'

test-tsan:
	@$(call CONFIGURE,build-tsan) $(SAN_ARGS) -DSWITCHBOARD_SANITIZE=thread >/dev/null
	@cmake --build build-tsan -j$(JOBS) --target integration_test core_test cluster_replicas_test
	@cd build-tsan && export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 && \
	  ./tests/unit/core_test --gtest_brief=1 && \
	  SWITCHBOARD_TEST_THREADS=4 $(CTEST) -L integration

# libFuzzer targets (tests/fuzz, clang-15, build-fuzz): a fixed number of
# runs of each over its seed corpus and regressions; the last line reads
# "fuzz: N passed, M failed".
test-fuzz:
	@JOBS=$(JOBS) bash tests/fuzz/run.sh smoke

# The long run: FUZZ_SECONDS (default 600) per target from a fresh work
# corpus; crashes land in build-fuzz/crashes/<target>/.
fuzz: test-deps
	@JOBS=$(JOBS) bash tests/fuzz/run.sh long

bench: build
	@$(call CONFIGURE,build) -DSWITCHBOARD_BENCH=ON >/dev/null
	@cmake --build build -j$(JOBS) --target switchboard_loadgen
	@bash bench/run.sh

# Cross-replica vs same-replica relay through Redis, and one server with the
# cluster off as the reference (docs/performance.md, "Cluster: cross-replica relay").
bench-cluster: deps
	@$(call CONFIGURE,build) $(CMAKE_ARGS) -DSWITCHBOARD_TESTS=OFF -DSWITCHBOARD_BENCH=ON >/dev/null
	@cmake --build build -j$(JOBS) --target switchboard switchboard_loadgen
	@bash bench/cluster.sh

clean:
	rm -rf build build-asan build-tsan build-fuzz build-logs
