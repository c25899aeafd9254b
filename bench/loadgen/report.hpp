#pragma once
// One run's figures, printed as a JSON line (for bench/run.sh) and a human table.
// A figure that could not be measured is negative (JSON null).

#include <cstddef>
#include <cstdint>
#include <string>

namespace switchboard::bench {

struct results {
  std::string server;  // label: switchboard, peerjs, ...
  std::string layout;  // single (one server), same or cross (two replicas)
  std::size_t pairs = 0;
  std::size_t connections = 0;
  std::size_t in_flight = 0;
  bool ok = false;
  std::string failure;  // why the run is not ok

  // Phase 1: connect every peer and wait for its id / OPEN.
  double connect_seconds = -1;
  double connections_per_second = -1;
  double setup_ms_p50 = -1;
  double setup_ms_p99 = -1;
  double rss_base_kib = -1;
  double rss_idle_kib = -1;
  double rss_per_idle_connection_kib = -1;

  // Phase 2: offer, answer and candidates both ways, per pair.
  double calls_seconds = -1;
  double calls_per_second = -1;
  double call_ms_p50 = -1;
  double call_ms_p99 = -1;
  std::size_t offer_bytes = 0;

  // Phase 3: candidates relayed with `in_flight` outstanding per pair.
  std::uint64_t relayed = 0;
  double relay_seconds = -1;
  double messages_per_second = -1;
  double latency_us_p50 = -1;
  double latency_us_p99 = -1;
  double latency_us_max = -1;
  std::size_t candidate_bytes = 0;
  double server_cpu_seconds = -1;
  double server_cpu_us_per_message = -1;
  double loadgen_cpu_us_per_message = -1;
  double rss_after_kib = -1;

  // Anything unexpected, over the whole run.
  std::uint64_t connect_failures = 0;
  std::uint64_t server_errors = 0;  // error messages from the server
  std::uint64_t misrouted = 0;      // wrong sender stamped, or unexpected message
  std::uint64_t disconnects = 0;    // connections the server closed mid-run

  // The machine's 1-minute load average when the run started and ended: the
  // benchmark shares the machine, and the figures move with its load.
  double load_start = -1;
  double load_end = -1;
};

std::string to_json_line(const results& r);
std::string to_table(const results& r);

}  // namespace switchboard::bench
