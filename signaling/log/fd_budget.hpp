#pragma once
// Whether RLIMIT_NOFILE leaves room for the configured connection limits. When
// it does not, accept() fails with EMFILE long before server.max_connections,
// and every failure used to cost a log line: warn once at start-up instead.

#include <cstdint>
#include <optional>
#include <string>

namespace switchboard::log {

struct fd_budget_input {
  std::uint64_t max_connections = 0;      // server.max_connections (one socket each)
  std::uint64_t metrics_connections = 0;  // connections the metrics port may hold at once
  std::uint64_t nofile_soft_limit = 0;    // RLIMIT_NOFILE soft limit (UINT64_MAX = unlimited)
  // Listening sockets, epoll, eventfds/timers, stdout, coturn's pipes,
  // static files being served, the Redis connections: a generous allowance.
  std::uint64_t reserve = 64;
};

struct fd_budget {
  std::uint64_t needed = 0;              // max_connections + metrics_connections + reserve
  std::uint64_t usable_connections = 0;  // WebSocket connections the limit really allows
  bool too_low = false;                  // nofile_soft_limit < needed
  std::string warning;                   // one log line; empty unless too_low
};

fd_budget check_fd_budget(const fd_budget_input& in);

struct nofile_limit {
  std::uint64_t soft = 0;  // UINT64_MAX when unlimited
  std::uint64_t hard = 0;
};

// getrlimit(RLIMIT_NOFILE); nullopt if it fails (it does not on Linux).
std::optional<nofile_limit> current_nofile_limit();

}  // namespace switchboard::log
