#!/usr/bin/env bash
# The signaling benchmark (docs/performance.md): for each repetition, each server
# (Switchboard, then the PeerJS and Bun references) and each size, start a fresh server on
# 127.0.0.1, run switchboard_loadgen against it, stop the server; then print the
# medians and ratios. Not part of `make test`.
#
# Environment (all optional):
#   BUILD_DIR=build          where switchboard and switchboard_loadgen are
#   SERVERS="switchboard peerjs bun"   SIZES="100 5000"   REPS=3
#   RELAY_SECONDS=10  IN_FLIGHT=8  WARMUP_SECONDS=1
#   RESULTS=$BUILD_DIR/bench-results.jsonl   (one JSON line per run)
#   FLOOR=1   also run switchboard_relay_floor (a bare epoll relay: the kernel's share)
#   THREADS=1 Switchboard's server.threads (event-loop threads; 1 matches Node's one)
set -euo pipefail

# run.sh mark PORT FILE PHASE: called by the load generator (`--mark-command`)
# around the measured relay; appends Switchboard's send counters (from its
# metrics on PORT) as "PHASE name value" lines to FILE.
if [[ ${1:-} == mark ]]; then
  curl -fsS "http://127.0.0.1:$2/metrics" |
    awk -v phase="$4" '/^switchboard_websocket_(writes|sent_messages)_total / { print phase, $1, $2 }' >>"$3"
  exit 0
fi

cd "$(dirname "$0")/.."
source bench/server_settings.sh
BUILD_DIR=${BUILD_DIR:-build}
SERVERS=${SERVERS:-"switchboard peerjs bun"}
SIZES=${SIZES:-"100 5000"}
REPS=${REPS:-3}
RELAY_SECONDS=${RELAY_SECONDS:-10}
IN_FLIGHT=${IN_FLIGHT:-8}
WARMUP_SECONDS=${WARMUP_SECONDS:-1}
CONFIG=${CONFIG:-config/switchboard.yaml}
RESULTS=${RESULTS:-$BUILD_DIR/bench-results.jsonl}
FLOOR=${FLOOR:-1}
THREADS=${THREADS:-1}
LOADGEN=$BUILD_DIR/switchboard_loadgen
FLOOR_BIN=$BUILD_DIR/switchboard_relay_floor
LOGDIR=$(mktemp -d /tmp/switchboard-bench.XXXXXX)
SERVER_PID=""

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 150); do  # up to 15 s for a graceful exit
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap 'stop_server; rm -rf "$LOGDIR"' EXIT
trap 'exit 130' INT TERM

check_prerequisites() {
  [[ -x "$LOADGEN" ]] || die "$LOADGEN not built (cmake --build $BUILD_DIR --target switchboard_loadgen)"
  if [[ " $SERVERS " == *" switchboard "* ]]; then
    [[ -x "$BUILD_DIR/switchboard" ]] || die "$BUILD_DIR/switchboard not built"
    [[ -f "$CONFIG" ]] || die "$CONFIG not found"
  fi
  if [[ $FLOOR == 1 && ! -x "$FLOOR_BIN" ]]; then
    log "building switchboard_relay_floor"
    cmake --build "$BUILD_DIR" --target switchboard_relay_floor >/dev/null || die "build failed"
  fi
  if [[ ( " $SERVERS " == *" peerjs "* && ! -d bench/node_modules/peer ) ||
        ( " $SERVERS " == *" bun "* && ! -x bench/node_modules/.bin/bun ) ]]; then
    log "installing the reference servers (npm ci in bench/)"
    (cd bench && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  fi
  # Each side holds one descriptor per connection: 10,000 at 5,000 pairs.
  local largest=0 need
  for n in $SIZES; do ((n > largest)) && largest=$n; done
  need=$((2 * largest + 256))
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  (($(ulimit -n) >= need)) || die "ulimit -n is $(ulimit -n), $need needed"
}

# start_server NAME LOGFILE: starts it in the background, sets SERVER_PID and PORT
# (and METRICS_PORT for switchboard).
start_server() {
  local name=$1 logfile=$2 pattern
  if [[ $name == switchboard ]]; then
    # One event-loop thread by default, as Node has one (bench/server_settings.sh).
    pattern='signaling listening on http://127\.0\.0\.1:[0-9]+'
    bench_server_settings "$THREADS"
    "$BUILD_DIR/switchboard" serve --config "$CONFIG" "${BENCH_SERVER_SETTINGS[@]}" \
      >"$logfile" 2>&1 &
  elif [[ $name == bun ]]; then
    # Bun.serve: uWebSockets under one JavaScript thread; speaks the tutorial protocol.
    pattern='bun listening on http://127\.0\.0\.1:[0-9]+'
    bench/node_modules/.bin/bun bench/bun-server.js 0 >"$logfile" 2>&1 &
  else
    pattern='peerjs listening on http://127\.0\.0\.1:[0-9]+'
    node bench/peerjs-server.js 0 >"$logfile" 2>&1 &
  fi
  SERVER_PID=$!
  PORT=""
  METRICS_PORT=""
  for _ in $(seq 1 200); do  # up to 20 s to come up
    PORT=$(grep -oE "$pattern" "$logfile" | head -n1 | grep -oE '[0-9]+$' || true)
    [[ $name == switchboard ]] && METRICS_PORT=$(grep -oE 'metrics listening on 127\.0\.0\.1:[0-9]+' "$logfile" |
      head -n1 | grep -oE '[0-9]+$' || true)
    [[ -n "$PORT" && ( $name != switchboard || -n "$METRICS_PORT" ) ]] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$logfile" >&2
  die "$name did not start"
}

run_one() {
  local name=$1 pairs=$2 rep=$3 logfile="$LOGDIR/$1-$2-$3.log"
  start_server "$name" "$logfile"
  log "rep $rep: $name, $pairs pairs (pid $SERVER_PID, port $PORT)"
  local status=0 protocol=$name marks="$LOGDIR/$1-$2-$3.marks"
  local mark=()
  # The Bun reference speaks Switchboard's (the tutorial's) protocol on /ws.
  [[ $name == bun ]] && protocol=switchboard
  [[ $name == switchboard ]] && mark=(--mark-command "bash bench/run.sh mark $METRICS_PORT $marks")
  "$LOADGEN" --protocol "$protocol" --label "$name" --port "$PORT" --server-pid "$SERVER_PID" --pairs "$pairs" \
    --in-flight "$IN_FLIGHT" --relay-seconds "$RELAY_SECONDS" \
    --warmup-seconds "$WARMUP_SECONDS" "${mark[@]}" --json-out "$RESULTS" | tail -n +2 || status=$?
  stop_server
  [[ -f $marks ]] && send_calls_line "$marks" "$pairs" "$rep" >>"$RESULTS"
  if ((status != 0)); then
    log "$name at $pairs pairs failed (exit $status); server log:"
    tail -n 20 "$logfile" >&2 || true
  fi
  return 0
}

# send_calls_line MARKS PAIRS REP: one JSON line with Switchboard's messages and
# gather writes (one sendmsg() each) during the measured relay, from the marks.
send_calls_line() {
  awk -v pairs="$2" -v rep="$3" '
    { v[$1 " " $2] = $3 }
    END {
      m = v["end switchboard_websocket_sent_messages_total"] - v["start switchboard_websocket_sent_messages_total"]
      w = v["end switchboard_websocket_writes_total"] - v["start switchboard_websocket_writes_total"]
      printf "{\"send_calls\":\"switchboard\",\"pairs\":%d,\"rep\":%d,\"messages\":%d,\"writes\":%d,\"messages_per_write\":%s}\n",
        pairs, rep, m, w, (w > 0 ? sprintf("%.3f", m / w) : "null")
    }' "$1"
}

# The same relay workload through a bare epoll relay: per_message=1 makes one recv()
# and one send() per message, 0 lets it pass on several messages per call.
run_floor() {
  local pairs=$1 rep=$2 per_message
  for per_message in 1 0; do
    log "rep $rep: relay floor, $pairs pairs, per_message=$per_message"
    "$FLOOR_BIN" "$pairs" "$IN_FLIGHT" "$RELAY_SECONDS" 260 "$per_message" >>"$RESULTS" ||
      log "relay floor failed"
  done
}

print_machine() {
  log "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
    "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)," \
    "kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

main() {
  check_prerequisites
  mkdir -p "$(dirname "$RESULTS")"
  : >"$RESULTS"
  print_machine
  # Repetitions outermost, so a change in the machine's load hits every configuration alike.
  for rep in $(seq 1 "$REPS"); do
    for name in $SERVERS; do
      for pairs in $SIZES; do run_one "$name" "$pairs" "$rep"; done
    done
    if [[ $FLOOR == 1 ]]; then
      for pairs in $SIZES; do run_floor "$pairs" "$rep"; done
    fi
  done
  print_machine
  node bench/summarize.js "$RESULTS"
}

main "$@"
