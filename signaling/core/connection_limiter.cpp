#include "signaling/core/connection_limiter.hpp"

namespace switchboard::core {

connection_limiter::connection_limiter(std::size_t max_total, std::size_t max_per_ip)
    : max_total_(max_total), max_per_ip_(max_per_ip) {}

connection_limiter::verdict connection_limiter::try_acquire(const std::string& ip) {
  std::lock_guard lock(mutex_);
  if (total_ >= max_total_) return verdict::max_connections;
  auto it = per_ip_.find(ip);
  const std::size_t from_ip = it == per_ip_.end() ? 0 : it->second;
  if (from_ip >= max_per_ip_) return verdict::max_per_ip;
  if (it == per_ip_.end()) it = per_ip_.emplace(ip, 0).first;
  ++it->second;
  ++total_;
  return verdict::ok;
}

void connection_limiter::release(const std::string& ip) {
  std::lock_guard lock(mutex_);
  auto it = per_ip_.find(ip);
  if (it == per_ip_.end()) return;  // never acquired: keep the counts honest
  --total_;
  // Erase at zero so the map holds only IPs with open connections.
  if (--it->second == 0) per_ip_.erase(it);
}

std::size_t connection_limiter::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

}  // namespace switchboard::core
