#pragma once
// The load generator's settings: a plain struct, every field defaulted (main.cpp maps flags).

#include <cstddef>
#include <cstdint>
#include <string>

namespace switchboard::bench {

struct options {
  std::string protocol = "switchboard";  // switchboard | peerjs
  std::string host = "127.0.0.1";        // loopback only: anything else is refused
  std::uint16_t port = 0;                // server port (required)
  std::uint16_t port_b = 0;              // a second server (replica B); 0 = none
  std::string layout = "same";           // same: both peers of a pair on `port`;
                                         // cross: caller on `port`, callee on `port_b`
  std::string path;                      // WebSocket path; empty = /ws or /peerjs
  int server_pid = 0;                    // read CPU and RSS from /proc/PID; 0 = don't
  std::size_t pairs = 100;               // peer pairs: 2 connections each
  std::size_t connect_window = 64;       // connections being set up at once
  std::size_t call_window = 256;         // calls being set up at once
  std::size_t setup_candidates = 4;      // candidates each way during call set-up
  std::size_t sdp_bytes = 4096;          // size of each offer and answer SDP
  std::size_t in_flight = 8;             // relay: candidates in flight per pair
  double warmup_seconds = 1;             // relay before measuring (JIT, caches, allocator)
  double relay_seconds = 10;             // measured relay: stop after this long...
  std::uint64_t relay_messages = 5'000'000;  // ...or after this many relayed messages
  double settle_seconds = 0.5;           // idle pause before reading the idle RSS
  double phase_timeout_seconds = 120;    // any phase taking longer fails the run
  std::string mark_command;              // run as `sh -c "CMD start"` / `"CMD end"` around the
                                         // measured relay, with both ends quiet; empty = none
  std::string json_out;                  // append the JSON result line to this file
  std::string label;                     // name in the report; empty = protocol
};

}  // namespace switchboard::bench
