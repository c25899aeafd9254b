#pragma once
// The Prometheus endpoint on metrics.listen: a small asynchronous HTTP server
// on a thread and io_context of its own, independent of the signaling loop,
// so that neither busy signaling nor slow or idle metrics clients can delay a
// scrape (the TURN pod's liveness probe scrapes it). Bounded: see
// metrics_http_limits.hpp; its own series are in metrics_http_stats.hpp.

#include "signaling/config/config.hpp"

#include <memory>

namespace prometheus {
class Registry;
}  // namespace prometheus
namespace spdlog {
class logger;
}

namespace switchboard::app {

class metrics_server {
public:
  // Serves `registry` when cfg.enabled; logs "metrics listening on HOST:PORT"
  // with the port actually bound. Throws std::runtime_error when it cannot listen.
  metrics_server(const config::metrics_config& cfg, std::shared_ptr<prometheus::Registry> registry,
                 spdlog::logger& log);
  // Stops the thread and closes the listener and every connection, in milliseconds.
  ~metrics_server();
  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace switchboard::app
