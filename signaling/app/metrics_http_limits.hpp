#pragma once
// The bounds of the metrics HTTP server. Not configurable: they protect the
// port the liveness probe scrapes, and no honest scraper comes near them.

#include <chrono>
#include <cstddef>

namespace switchboard::app {

struct metrics_http_limits {
  // Connections served at once; more are answered 503 and closed. A scraper
  // uses one per target (an HA Prometheus pair, kubelet probes and a person
  // with curl stay in single digits); every slot costs a socket and a buffer.
  std::size_t max_connections = 32;
  // The whole request header must arrive within this time from accept or from
  // the end of the previous response (so it also bounds keep-alive idling).
  // A scraper sends its request in one packet right after connecting.
  std::chrono::milliseconds request_timeout{5000};
  // Writing one response; Prometheus gives up after its 10 s scrape_timeout.
  std::chrono::milliseconds write_timeout{10000};
  // After a response with "Connection: close": how long unread request bytes
  // are drained so that closing does not reset the connection (losing the
  // response in the client's buffer).
  std::chrono::milliseconds linger{500};
  // Request line plus headers; a scraper sends a few hundred bytes.
  std::size_t header_bytes = 8 * 1024;
};

}  // namespace switchboard::app
