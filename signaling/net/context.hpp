#pragma once
// State shared by the listener and every session of the public port.
// Internal to signaling/net (includes Asio).

#include "signaling/config/config.hpp"
#include "signaling/core/auth_gate.hpp"
#include "signaling/core/connection_limiter.hpp"
#include "signaling/core/hub.hpp"
#include "signaling/core/participant.hpp"
#include "signaling/log/log_throttle.hpp"
#include "signaling/metrics/metrics.hpp"
#include "signaling/net/http_router.hpp"

#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace spdlog {
class logger;
}

namespace switchboard::net {

class fd_poller;

// A slot taken from the connection_limiter, given back when destroyed.
class connection_slot {
public:
  connection_slot() = default;
  connection_slot(core::connection_limiter* limiter, std::string ip) : limiter_(limiter), ip_(std::move(ip)) {}
  connection_slot(connection_slot&& o) noexcept : limiter_(std::exchange(o.limiter_, nullptr)), ip_(std::move(o.ip_)) {}
  connection_slot& operator=(connection_slot&&) = delete;
  ~connection_slot() {
    if (limiter_) limiter_->release(ip_);
  }
  const std::string& ip() const noexcept { return ip_; }

private:
  core::connection_limiter* limiter_ = nullptr;
  std::string ip_;
};

// Open WebSocket sessions, so a drain can close them all.
class session_set {
public:
  void add(core::participant* key, std::weak_ptr<core::participant> session);
  void remove(core::participant* key);
  std::size_t size() const;
  void close_all(core::close_code code);
  // Closes up to `n` sessions not asked to close before (a drain spread over
  // time); returns how many it asked.
  std::size_t close_some(std::size_t n, core::close_code code);

private:
  struct entry {
    std::weak_ptr<core::participant> session;
    bool asked = false;
  };
  mutable std::mutex mutex_;
  std::unordered_map<core::participant*, entry> sessions_;
};

// Log lines a client can cause over and over: each kind is rate-limited.
enum class log_kind : std::size_t {
  accept_failed,
  origin_refused,
  upgrade_refused,
  policy_close,
  slow_consumer,
  too_large,
  auth_failed,
  count,
};
std::string_view to_string(log_kind k) noexcept;

struct shared_context {
  const config::config& cfg;
  core::hub& hub;
  metrics::signaling_metrics& metrics;
  const http_router& router;
  std::shared_ptr<spdlog::logger> log;
  std::function<bool()> dependencies_ready;
  core::connection_limiter limiter;
  session_set sessions;
  std::atomic<bool> draining{false};
  std::atomic<int> rejecting{0};  // sessions open only to send a 503
  std::atomic<bool> stopped{false};  // the event loop has returned: deliver nothing more
  // Null = plain HTTP. Replaced by a SIGHUP reload: take it with current_tls().
  std::shared_ptr<boost::asio::ssl::context> tls;
  mutable std::mutex tls_mutex{};
  std::shared_ptr<boost::asio::ssl::context> current_tls() const {
    std::lock_guard lock(tls_mutex);
    return tls;
  }
  // Readiness of the plain WebSocket sockets (fd_poller.hpp), made by the first
  // one; it outlives the io_context, as sessions use it until they are destroyed.
  std::shared_ptr<fd_poller> poller{};
  std::mutex poller_mutex{};
  log::log_throttle log_limit{static_cast<std::size_t>(log_kind::count)};
  core::auth_gate* gate = nullptr;  // auth.mode jwt (null: anyone may start)

  // Whether a line of `kind` may be written now (at most 5 per 10 s per
  // kind); when earlier ones were left out, `note` is "; suppressed N
  // similar messages", for the end of the line.
  bool log_allowed(log_kind kind, std::string& note);
  // Lines for kinds whose burst ended with some left out (the sweep timer).
  void log_suppressed_summary();
};

// TLS server context from PEM files; throws std::runtime_error naming the file.
std::unique_ptr<boost::asio::ssl::context> make_tls_context(const config::tls_config& tls);

}  // namespace switchboard::net
