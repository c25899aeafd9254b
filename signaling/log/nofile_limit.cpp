// The one system call of this library, kept apart from the pure budget check.
#include "signaling/log/fd_budget.hpp"

#include <sys/resource.h>

#include <limits>

namespace switchboard::log {
namespace {

std::uint64_t to_u64(rlim_t v) {
  return v == RLIM_INFINITY ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(v);
}

}  // namespace

std::optional<nofile_limit> current_nofile_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return std::nullopt;
  return nofile_limit{to_u64(lim.rlim_cur), to_u64(lim.rlim_max)};
}

}  // namespace switchboard::log
