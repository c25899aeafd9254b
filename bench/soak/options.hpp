#pragma once
// The soak's settings: a plain struct, every field defaulted (main.cpp maps the flags).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace switchboard::soak {

struct options {
  std::size_t pairs = 5000;          // peer pairs: 2 connections each
  double duration_s = 600;           // ramp + churn; the drain and teardown come after
  double warmup_s = 60;              // RSS is compared from here on (the "second minute")
  std::string csv = "soak.csv";
  std::string png = "docs/images/soak.png";  // empty: no plot
  std::string plot_script;           // gnuplot script; empty = the one next to the sources
  std::string title;                 // plot title; empty = a summary of the run

  // Server: started by the soak, or attached to.
  std::string server_binary = "build/switchboard";
  std::vector<std::string> config_sets;  // passed as --set k=v after the soak's own config
  int attach_pid = 0;                // >0: attach to this process instead of starting one
  std::string attach_url;            // attach: http://127.0.0.1:PORT (signaling)
  std::string attach_metrics;        // attach: 127.0.0.1:PORT (metrics)
  std::string ws_path = "/ws";
  std::string origin = "https://soak.switchboard.test";  // sent like a browser does
  double resume_grace_s = 30;        // must match the server's peers.resume_grace
  bool asan = false;                 // looser thresholds for a sanitizer build
  bool keep_temp = false;            // keep the temporary config and server log

  // Workload.
  std::uint64_t seed = 1;
  double churn_rate = 0.04;          // fraction of pairs starting a churn action each second
  double relay_rate = 1.0;           // relayed candidates per second from each peer
  double inject_rate = 0.005;        // malformed messages per second per peer
  double bad_resume_share = 0.2;     // reconnects that first try a resume with an unknown ID
  double ice_servers_share = 0.25;   // injections that are plain iceServers requests instead
  double ramp_rate = 250;            // pairs started per second at the beginning
  std::size_t peers_per_address = 8; // clients sharing one 127.x.y.z source address
  std::size_t sdp_bytes = 3000;      // offer / answer SDP size
  std::size_t setup_candidates = 3;  // candidates each way during call set-up
  std::size_t max_queued = 3;        // relays sent to a peer while it is detached (0..N)
  double detach_delay_s = 1.0;       // RST -> partner writes to the detached peer
  double resume_delay_s = 2.0;       // RST -> resume
  double step_timeout_s = 20;        // any awaited reply later than this is a failure
  double weight_resume = 0.4;        // churn mix (normalised)
  double weight_hangup = 0.2;
  double weight_leave = 0.2;
  double weight_abandon = 0.2;

  // Pass criteria.
  double rss_tolerance = 0.10;       // last minute's average vs the minute after warm-up
  double fd_wait_s = 30;             // how long the fds get to return to their baseline
};

}  // namespace switchboard::soak
