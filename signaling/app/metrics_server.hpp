#pragma once
// The Prometheus endpoint (prometheus-cpp's Exposer) on metrics.listen, with
// a prompt shutdown.

#include "signaling/config/config.hpp"

#include <memory>

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus
namespace spdlog {
class logger;
}

namespace switchboard::app {

class metrics_server {
public:
  // Serves `registry` when cfg.enabled; logs "metrics listening on HOST:PORT".
  metrics_server(const config::metrics_config& cfg, std::shared_ptr<prometheus::Registry> registry,
                 spdlog::logger& log);
  // civetweb, inside the Exposer, looks at its stop flag only between 2 s
  // polls of the listening socket; connecting to it wakes that poll, so the
  // process exits in milliseconds instead of up to two seconds.
  ~metrics_server();
  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;

private:
  std::unique_ptr<prometheus::Exposer> exposer_;
  config::endpoint bound_;
};

}  // namespace switchboard::app
