#!/usr/bin/env bash
# The cluster benchmark (docs/performance.md, "Cluster: cross-replica relay"):
# the relay workload of bench/run.sh at PAIRS pairs in three layouts, REPS times,
# each run on freshly started processes:
#   single  one server, cluster off (the reference)
#   same    Redis + replicas A and B; both peers of every pair on A
#   cross   Redis + replicas A and B; callers on A, callees on B: every relay crosses
# Around the measured relay the load generator runs `cluster.sh mark DIR start|end`,
# which snapshots the CPU time (utime + stime, /proc/PID/stat) of every server
# process and Redis' INFO commandstats; a run's JSON line holds the deltas and the
# load generator's own line. Then bench/cluster_summarize.js prints medians and ratios.
#
# Environment (all optional):
#   BUILD_DIR=build   PAIRS=1000   REPS=3   LAYOUTS="single same cross"
#   RELAY_SECONDS=10  IN_FLIGHT=8  WARMUP_SECONDS=1
#   RESULTS=$BUILD_DIR/bench-cluster.jsonl   (one JSON line per run)
set -euo pipefail

cd "$(dirname "$0")/.."
source bench/server_settings.sh

log() { printf '[bench-cluster] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- mark: called by the load generator (`--mark-command`) -------------------------
# cluster.sh mark DIR PHASE: DIR/pids holds "name pid" lines, DIR/redis_port the port
# (absent with the cluster off). Writes DIR/PHASE.cpu ("name ticks") and, with
# Redis, DIR/PHASE.redis (INFO commandstats and memory).
mark() {
  local dir=$1 phase=$2 name pid
  while read -r name pid; do
    # Fields 14 and 15 after the command name, which may hold spaces: cut at ") ".
    printf '%s %s\n' "$name" "$(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')"
  done <"$dir/pids" >"$dir/$phase.cpu"
  if [[ -f $dir/redis_port ]]; then
    redis-cli -p "$(cat "$dir/redis_port")" INFO commandstats >"$dir/$phase.redis"
    redis-cli -p "$(cat "$dir/redis_port")" INFO memory >>"$dir/$phase.redis"
  fi
}
if [[ ${1:-} == mark ]]; then
  mark "$2" "$3"
  exit 0
fi

BUILD_DIR=${BUILD_DIR:-build}
PAIRS=${PAIRS:-1000}
REPS=${REPS:-3}
LAYOUTS=${LAYOUTS:-"single same cross"}
RELAY_SECONDS=${RELAY_SECONDS:-10}
IN_FLIGHT=${IN_FLIGHT:-8}
WARMUP_SECONDS=${WARMUP_SECONDS:-1}
CONFIG=${CONFIG:-config/switchboard.yaml}
RESULTS=${RESULTS:-$BUILD_DIR/bench-cluster.jsonl}
LOADGEN=$BUILD_DIR/switchboard_loadgen
SERVER=$BUILD_DIR/switchboard
WORK=$(mktemp -d /tmp/switchboard-bench-cluster.XXXXXX)
PIDS=()
PORT=""

stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 150); do  # up to 15 s for a graceful exit
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap 'stop_all; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# start_redis DIR: a throwaway redis-server on a free loopback port, no persistence.
start_redis() {
  local dir=$1 port
  for _ in 1 2 3 4 5; do  # someone may take the port between free_port and the bind
    port=$(free_port)
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$dir" --daemonize no >"$dir/redis.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do  # up to 10 s
      if [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]]; then
        PIDS+=("$pid")
        echo "redis $pid" >>"$dir/pids"
        echo "$port" >"$dir/redis_port"
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  cat "$dir/redis.log" >&2
  die "redis-server did not start"
}

# start_server DIR NAME [cluster --set options...]: sets PORT once the server
# listens and, in cluster mode, once its bus is up.
start_server() {
  local dir=$1 name=$2 logfile="$1/$2.log" ready
  shift 2
  : >"$logfile"  # the server's own redirection happens in the child, maybe after the first poll
  # The benchmark's settings (bench/server_settings.sh), one event-loop thread.
  bench_server_settings 1
  "$SERVER" serve --config "$CONFIG" "${BENCH_SERVER_SETTINGS[@]}" \
    "$@" >"$logfile" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  echo "$name $pid" >>"$dir/pids"
  ready='signaling listening on'
  [[ $* == *cluster.enabled=true* ]] && ready='cluster: the bus is up'
  PORT=""
  for _ in $(seq 1 200); do  # up to 20 s
    PORT=$(grep -oE 'signaling listening on http://127\.0\.0\.1:[0-9]+' "$logfile" |
      head -n1 | grep -oE '[0-9]+$' || true)
    if [[ -n $PORT ]] && grep -q "$ready" "$logfile"; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$logfile" >&2
  die "$name did not start"
}

# cpu_delta DIR NAME: CPU microseconds of NAME between the marks, or null.
cpu_delta() {
  local before after
  before=$(awk -v n="$2" '$1 == n { print $2 }' "$1/start.cpu" 2>/dev/null || true)
  after=$(awk -v n="$2" '$1 == n { print $2 }' "$1/end.cpu" 2>/dev/null || true)
  if [[ -z $before || -z $after ]]; then echo null; return; fi
  echo $(((after - before) * 1000000 / $(getconf CLK_TCK)))
}

# redis_json DIR: {"calls":{cmd:n,...},"used_memory_base":B,"used_memory_start":B}.
# INFO itself (the marks' own snapshots) is left out of the calls.
redis_json() {
  local dir=$1
  if [[ ! -f $dir/end.redis ]]; then echo null; return; fi
  awk -F'[:,=]' '
    FNR == 1 { file++ }
    /^cmdstat_/ { cmd = substr($1, 9); if (cmd != "info") calls[file, cmd] = $3; seen[cmd] = 1 }
    /^used_memory:/ { mem[file] = $2 + 0 }
    END {
      printf "{\"calls\":{"; sep = ""
      for (cmd in seen) if (cmd != "info") {
        printf "%s\"%s\":%d", sep, cmd, calls[3, cmd] - calls[2, cmd]; sep = ","
      }
      printf "},\"used_memory_base\":%d,\"used_memory_start\":%d}", mem[1], mem[2]
    }' "$dir/base.redis" "$dir/start.redis" "$dir/end.redis" | tr -d '\r'
}

run_one() {
  local layout=$1 rep=$2 dir="$WORK/$1-$2" port port_b="" status=0
  mkdir -p "$dir"
  : >"$dir/pids"
  local -a cluster=() loadgen_args=()
  if [[ $layout != single ]]; then
    start_redis "$dir"
    cluster=(--set cluster.enabled=true --set "cluster.redis.url=redis://127.0.0.1:$(cat "$dir/redis_port")")
    start_server "$dir" replica_a "${cluster[@]}" --set cluster.node_id=bench-a
    port=$PORT
    start_server "$dir" replica_b "${cluster[@]}" --set cluster.node_id=bench-b
    port_b=$PORT
    loadgen_args=(--port-b "$port_b" --layout "$layout")
    redis-cli -p "$(cat "$dir/redis_port")" INFO memory >"$dir/base.redis"
  else
    start_server "$dir" replica_a
    port=$PORT
  fi
  log "rep $rep: $layout, $PAIRS pairs (ports $port${port_b:+ $port_b}), load $(cut -d' ' -f1 /proc/loadavg)"
  "$LOADGEN" --port "$port" "${loadgen_args[@]}" --pairs "$PAIRS" --label "$layout" \
    --in-flight "$IN_FLIGHT" --relay-seconds "$RELAY_SECONDS" --warmup-seconds "$WARMUP_SECONDS" \
    --mark-command "bash bench/cluster.sh mark $dir" --json-out "$dir/loadgen.json" \
    >"$dir/loadgen.out" 2>&1 || status=$?
  stop_all
  if ((status != 0)); then
    log "$layout failed (exit $status):"
    tail -n 5 "$dir/loadgen.out" >&2 || true
    tail -n 5 "$dir"/replica_*.log >&2 || true
  fi
  local line
  line=$(cat "$dir/loadgen.json" 2>/dev/null || echo null)
  printf '{"layout":"%s","rep":%d,"cpu_us":{"replica_a":%s,"replica_b":%s,"redis":%s},"redis":%s,"loadgen":%s}\n' \
    "$layout" "$rep" "$(cpu_delta "$dir" replica_a)" "$(cpu_delta "$dir" replica_b)" \
    "$(cpu_delta "$dir" redis)" "$(redis_json "$dir")" "$line" >>"$RESULTS"
}

machine() {
  echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
    "kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

main() {
  [[ -x $LOADGEN && -x $SERVER ]] || die "build $SERVER and $LOADGEN first (make bench-cluster)"
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || die "redis-server/redis-cli missing"
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  (($(ulimit -n) >= 2 * PAIRS + 256)) || die "ulimit -n is $(ulimit -n), $((2 * PAIRS + 256)) needed"
  mkdir -p "$(dirname "$RESULTS")"
  : >"$RESULTS"
  log "machine: $(machine)"
  # Repetitions outermost, so a change in the machine's load hits every layout alike.
  for rep in $(seq 1 "$REPS"); do
    for layout in $LAYOUTS; do run_one "$layout" "$rep"; done
  done
  log "machine: $(machine)"
  node bench/cluster_summarize.js "$RESULTS"
}

main "$@"
