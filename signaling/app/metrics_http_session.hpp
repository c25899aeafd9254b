#pragma once
// One connection on the metrics port: requests read under a deadline,
// answered from a fresh serialisation of the registry. Beast stays in the .cpp.

#include "signaling/app/metrics_http_limits.hpp"
#include "signaling/app/metrics_http_stats.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <memory>

namespace prometheus {
class Registry;
}
namespace spdlog {
class logger;
}

namespace switchboard::app {

// Shared by the listener and its sessions; touched only on the metrics
// thread, so nothing here needs a lock.
struct metrics_http_context {
  metrics_http_context(std::shared_ptr<prometheus::Registry> r, spdlog::logger& l)
      : registry(std::move(r)), stats(*registry), log(l) {}

  metrics_http_limits limits;
  std::shared_ptr<prometheus::Registry> registry;
  metrics_http_stats stats;
  spdlog::logger& log;
  std::size_t open = 0;  // sessions alive
};

// Serves `socket` until the client leaves, a deadline passes or the
// io_context goes away. `ctx` must outlive the io_context the socket is on.
void start_metrics_http_session(boost::asio::ip::tcp::socket socket, metrics_http_context& ctx);

}  // namespace switchboard::app
