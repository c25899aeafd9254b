#include "signaling/app/metrics_server.hpp"

#include <prometheus/exposer.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "signaling/config/scalars.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace switchboard::app {
namespace {

// One connection attempt to host:port; the result does not matter.
void poke(const config::endpoint& ep) {
  std::string host = ep.host == "0.0.0.0" ? "127.0.0.1" : ep.host == "::" ? "::1" : ep.host;
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&addr); inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(ep.port);
    len = sizeof(sockaddr_in);
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr); inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(ep.port);
    len = sizeof(sockaddr_in6);
  } else {
    return;  // a host name: let civetweb take its time
  }
  const int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  (void)::connect(fd, reinterpret_cast<sockaddr*>(&addr), len);
  ::close(fd);
}

}  // namespace

metrics_server::metrics_server(const config::metrics_config& cfg, std::shared_ptr<prometheus::Registry> registry,
                               spdlog::logger& log)
    : bound_(cfg.listen) {
  if (!cfg.enabled) return;
  exposer_ = std::make_unique<prometheus::Exposer>(config::format_endpoint(cfg.listen));
  exposer_->RegisterCollectable(registry);
  const auto ports = exposer_->GetListeningPorts();
  if (!ports.empty()) bound_.port = static_cast<std::uint16_t>(ports.front());
  log.info("metrics listening on {}", config::format_endpoint(bound_));
}

metrics_server::~metrics_server() {
  if (!exposer_) return;
  std::atomic<bool> stopped{false};
  std::thread waker([this, &stopped] {
    // Bounded: 100 attempts, 20 ms apart, at most 2 s like civetweb itself.
    for (int i = 0; i < 100 && !stopped; ++i) {
      poke(bound_);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  exposer_.reset();
  stopped = true;
  waker.join();
}

}  // namespace switchboard::app
