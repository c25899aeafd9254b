#pragma once
// cluster.enabled: the Redis connections, the directory and the bus, on an
// event loop and thread of their own, joined to the hub (docs/cluster.md).
// The hub is thread-safe; the bus and directory post onto this loop.
// Asio-free header.

#include "signaling/core/hub.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace prometheus {
class Registry;
}
namespace spdlog {
class logger;
}

namespace switchboard::app {

struct cluster_runtime_options {
  std::string redis_url;       // redis://[user:password@]host:port[/db], already validated
  std::string redis_password;  // overrides the URL's when not empty
  std::string node;
  std::string key_prefix = "switchboard:";
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{1000};
  std::chrono::milliseconds node_ttl{5000};
  std::chrono::milliseconds heartbeat_interval{1000};
  std::chrono::milliseconds handoff_timeout{2000};
  std::size_t max_bus_queue = 65536;
  std::size_t max_pending_commands = 65536;
};

class cluster_runtime {
public:
  // Joins `hub` to the cluster (before any connection is served); nothing
  // connects until start(). Throws std::invalid_argument for a bad URL.
  cluster_runtime(cluster_runtime_options opts, core::hub& hub, prometheus::Registry& registry,
                  std::shared_ptr<spdlog::logger> log);
  ~cluster_runtime();
  cluster_runtime(const cluster_runtime&) = delete;
  cluster_runtime& operator=(const cluster_runtime&) = delete;

  void start();
  // At exit: stops the heartbeat; with no peer left here the node leaves the
  // node list (otherwise the others adopt what is left once its liveness
  // runs out); closes the connections and joins the thread.
  void stop();

  // Detached peers still here, waiting for a resume on another replica.
  bool handoffs_pending() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace switchboard::app
