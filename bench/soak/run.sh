#!/usr/bin/env bash
# The churn soak (docs/testing.md, "Soak"): starts BUILD_DIR/switchboard on loopback
# ports it picks, runs BUILD_DIR/switchboard_soak against it, stops it; the CSV goes
# to BUILD_DIR, the plot to docs/images/. Not part of `make test`.
#
#   bash bench/soak/run.sh                                   # 5,000 pairs, 10 minutes
#   bash bench/soak/run.sh --duration 30m                    # the release figure
#   BUILD_DIR=build-asan bash bench/soak/run.sh --asan       # the ASan figure
#   bash bench/soak/run.sh --pairs 500 --duration 90s --warmup 20s
#
# Environment (all optional):
#   BUILD_DIR=build    where switchboard and switchboard_soak are (built here if missing)
#   LABEL=release|asan names the outputs: BUILD_DIR/soak-LABEL.csv, docs/images/soak-LABEL.png
# Any other argument goes to switchboard_soak (--help lists them); an explicit --csv or
# --png wins over the defaults. Exit status: switchboard_soak's (0 pass, 1 fail, 2 usage).
set -euo pipefail

cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
log() { printf '[soak] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

label=release
given=" "
for arg in "$@"; do
  [[ $arg == --asan ]] && label=asan
  [[ $arg == --* ]] && given+="${arg%%=*} "
done
LABEL=${LABEL:-$label}

command -v gnuplot >/dev/null || die "gnuplot not found (Debian: apt-get install gnuplot-nox)"
if [[ ! -x $BUILD_DIR/switchboard || ! -x $BUILD_DIR/switchboard_soak ]]; then
  [[ -f $BUILD_DIR/CMakeCache.txt ]] || die "$BUILD_DIR is not configured (cmake -S . -B $BUILD_DIR -DSWITCHBOARD_BENCH=ON)"
  log "building switchboard and switchboard_soak in $BUILD_DIR"
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target switchboard switchboard_soak >/dev/null || die "build failed"
fi

defaults=()
[[ $given == *" --server-binary "* || $given == *" --attach-pid "* ]] ||
  defaults+=(--server-binary "$BUILD_DIR/switchboard")
[[ $given == *" --csv "* ]] || defaults+=(--csv "$BUILD_DIR/soak-$LABEL.csv")
[[ $given == *" --png "* ]] || defaults+=(--png "docs/images/soak-$LABEL.png")

log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
"$BUILD_DIR/switchboard_soak" ${defaults[@]+"${defaults[@]}"} "$@" || status=$?
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
