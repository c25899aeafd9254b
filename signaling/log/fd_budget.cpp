#include "signaling/log/fd_budget.hpp"

#include <algorithm>
#include <limits>

namespace switchboard::log {
namespace {

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > std::numeric_limits<std::uint64_t>::max() - b ? std::numeric_limits<std::uint64_t>::max() : a + b;
}

std::uint64_t saturating_sub(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; }

}  // namespace

fd_budget check_fd_budget(const fd_budget_input& in) {
  fd_budget out;
  out.needed = saturating_add(saturating_add(in.max_connections, in.metrics_connections), in.reserve);
  out.usable_connections = std::min(
      in.max_connections, saturating_sub(in.nofile_soft_limit, saturating_add(in.metrics_connections, in.reserve)));
  out.too_low = in.nofile_soft_limit < out.needed;
  if (!out.too_low) return out;
  out.warning = "the open-file limit (RLIMIT_NOFILE soft limit " + std::to_string(in.nofile_soft_limit) +
                ") is below the " + std::to_string(out.needed) + " descriptors needed (server.max_connections " +
                std::to_string(in.max_connections) + " + metrics connections " +
                std::to_string(in.metrics_connections) + " + reserve " + std::to_string(in.reserve) +
                "): accept() will fail with EMFILE after about " + std::to_string(out.usable_connections) +
                " connections; raise it (systemd LimitNOFILE=, ulimit -n, --ulimit nofile=) or lower "
                "server.max_connections";
  return out;
}

}  // namespace switchboard::log
