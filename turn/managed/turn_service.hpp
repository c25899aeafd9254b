#pragma once
// The managed TURN side of Switchboard: renders coturn's config, supervises
// turnserver, turns its log into relay metrics, and probes TURN end to end.
// Runs on a thread of its own so that `serve` and `turn` share it unchanged.
// Asio-free header.

#include "turn/managed/managed_options.hpp"

#include <memory>
#include <string>

namespace prometheus {
class Registry;
}
namespace spdlog {
class logger;
}

namespace switchboard::turn {

class turn_service {
public:
  turn_service(managed_options opts, prometheus::Registry& registry, std::shared_ptr<spdlog::logger> log);
  ~turn_service();
  turn_service(const turn_service&) = delete;
  turn_service& operator=(const turn_service&) = delete;

  // True when there is anything to run (a managed coturn or a probe).
  bool active() const noexcept;
  // Writes coturn's config into a private runtime directory and starts the
  // supervisor and the probe. Throws std::runtime_error (with every problem)
  // when the config cannot be rendered: a start-up error.
  void start();
  // Stops coturn (SIGTERM, then SIGKILL after stop_timeout) and
  // the probe; returns when coturn is gone. Idempotent.
  void stop();
  // For /readyz: coturn answers STUN and the last probe passed. True when
  // coturn is not managed here (an external TURN server is only probed and
  // reported in metrics).
  bool ready() const noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Renders coturn's config (what `switchboard turn-config` prints); throws
// std::runtime_error listing the problems.
std::string render_for(const coturn_options& opts);

}  // namespace switchboard::turn
