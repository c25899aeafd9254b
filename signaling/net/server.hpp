#pragma once
// The public port: HTTP (static files, health, REST API) and the WebSocket
// signaling endpoint, plus graceful drain on SIGTERM/SIGINT. Beast-free header.

#include "signaling/config/config.hpp"
#include "signaling/core/auth_gate.hpp"
#include "signaling/core/hub.hpp"
#include "signaling/metrics/metrics.hpp"
#include "signaling/net/http_router.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace switchboard::net {

struct server_deps {
  const config::config& cfg;
  core::hub& hub;
  metrics::signaling_metrics& metrics;
  const http_router& router;
  std::shared_ptr<spdlog::logger> log;
  std::function<bool()> dependencies_ready = [] { return true; };  // e.g. managed TURN
  // SIGHUP: the configuration as it is now on disk, or nullopt with `error`
  // set. Unset: SIGHUP reloads the TLS files named by the running config.
  std::function<std::optional<config::config>(std::string& error)> reload_config = nullptr;
  // auth.mode jwt: decides who may start (null: anyone).
  core::auth_gate* gate = nullptr;
  // SIGHUP: re-reads the JWKS; appends what it did to `done`, false when it failed.
  std::function<bool(std::vector<std::string>& done)> reload_keys = nullptr;
  // About once a second on the control strand (e.g. the JWKS file watch).
  std::function<void()> tick = nullptr;
  // cluster.enabled: the drain closes clients a few at a time over the drain
  // period (they resume on other replicas, not all in one instant), and waits
  // until no connection is left and `handoffs_pending` is false (the peers
  // still here were taken over), or the period is over.
  bool spread_drain = false;
  std::function<bool()> handoffs_pending = nullptr;
};

class server {
public:
  // Binds the listening socket; throws std::runtime_error when it cannot.
  explicit server(server_deps deps);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // "http://127.0.0.1:8080" (https with TLS), with the port actually bound.
  std::string url() const;
  // Serves until SIGTERM/SIGINT, drains, returns the process exit code.
  // SIGHUP reloads the TLS certificate and key and the log level, and never exits.
  int run();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace switchboard::net
