# Sourced by bench/run.sh, bench/cluster.sh and bench/callgrind.sh: the
# settings every benchmark starts Switchboard with (docs/performance.md,
# "Server settings"). bench_server_settings THREADS fills BENCH_SERVER_SETTINGS.
#
# log.level=info: the port picked for 127.0.0.1:0 is in an info line, and info
# logs nothing per connection or message. Every client is 127.0.0.1: the rate
# limit and the per-address limits would refuse most of them. No managed
# coturn: not part of the relay (and two replicas would fight over its port).
bench_server_settings() {
  BENCH_SERVER_SETTINGS=(
    --set server.listen=127.0.0.1:0
    --set metrics.listen=127.0.0.1:0
    --set log.level=info
    --set server.threads="${1:-1}"
    --set server.drain_period=0
    --set server.rate_limit.messages_per_second=1000000
    --set server.rate_limit.burst=1000000
    --set server.max_connections=20000
    --set server.max_connections_per_ip=20000
    --set server.send_queue_messages=4096
    --set turn.managed.enabled=false
    --set peers.max_per_address=20000
    --set peers.id_rate_limit.per_second=1000000
    --set peers.id_rate_limit.burst=1000000
  )
}
