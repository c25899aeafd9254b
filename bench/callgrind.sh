#!/usr/bin/env bash
# Instructions per relayed message in the server's user space, counted by
# callgrind (docs/performance.md): a figure that does not move with the
# machine's load, for changes too small to show in CPU time on a shared VM.
# The server runs under valgrind with instrumentation off; the load
# generator's --mark-command turns it on for the measured relay only.
# Not part of `make test`.
#
# Environment (all optional):
#   BUILD_DIR=build   PAIRS=500   MESSAGES=20000   OUT=$BUILD_DIR/callgrind.out
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/server_settings.sh
BUILD_DIR=${BUILD_DIR:-build}
PAIRS=${PAIRS:-500}
MESSAGES=${MESSAGES:-20000}
OUT=${OUT:-$BUILD_DIR/callgrind.out}
CONFIG=${CONFIG:-config/switchboard.yaml}

die() { printf '[callgrind] error: %s\n' "$*" >&2; exit 1; }
command -v valgrind >/dev/null || die "valgrind is not installed (apt-get install valgrind)"
for bin in switchboard switchboard_loadgen; do
  [[ -x $BUILD_DIR/$bin ]] || die "$BUILD_DIR/$bin not built"
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d /tmp/switchboard-callgrind.XXXXXX)
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The benchmark's server settings (bench/server_settings.sh), one event-loop thread.
bench_server_settings 1
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT" \
  "$BUILD_DIR/switchboard" serve --config "$CONFIG" "${BENCH_SERVER_SETTINGS[@]}" \
  >"$work/server.log" 2>&1 &
server_pid=$!

port=""
for _ in $(seq 1 600); do  # valgrind starts slowly: up to 60 s
  port=$(grep -o 'signaling listening on http://127.0.0.1:[0-9]*' "$work/server.log" | grep -o '[0-9]*$' || true)
  [[ -n $port ]] && break
  kill -0 "$server_pid" 2>/dev/null || die "the server exited: $(tail -3 "$work/server.log")"
  sleep 0.1
done
[[ -n $port ]] || die "the server did not start listening"

cat >"$work/mark" <<EOF
#!/bin/sh
case "\$1" in
  start) exec callgrind_control -i on $server_pid >/dev/null 2>&1 ;;
  end) exec callgrind_control -i off $server_pid >/dev/null 2>&1 ;;
esac
EOF
chmod +x "$work/mark"

"$BUILD_DIR/switchboard_loadgen" --protocol switchboard --port "$port" --pairs "$PAIRS" \
  --relay-messages "$MESSAGES" --relay-seconds 600 --warmup-seconds 1 --phase-timeout 600 \
  --mark-command "$work/mark" >"$work/loadgen.out" || die "the load generator failed: $(tail -3 "$work/loadgen.out")"
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""

relayed=$(grep -o '"relayed":[0-9]*' "$work/loadgen.out" | grep -o '[0-9]*$')
total=$(callgrind_annotate "$OUT" 2>/dev/null | awk '/PROGRAM TOTALS/ && !done { gsub(",", "", $1); print $1; done = 1 }')
[[ -n $total && -n $relayed && $relayed -gt 0 ]] || die "no counts (see $OUT)"
printf 'pairs %s, measured relays %s, instructions %s, per message %d\n' "$PAIRS" "$relayed" "$total" $((total / relayed))
printf 'by function: callgrind_annotate %s | head -40\n' "$OUT"
