#include "signaling/core/address_limits.hpp"

#include <chrono>

namespace switchboard::core {

address_limits::entry& address_limits::at(std::string_view address, steady_clock::time_point now) {
  auto found = entries_.find(std::string(address));
  if (found == entries_.end()) found = entries_.try_emplace(std::string(address), cfg_, now).first;
  return found->second;
}

address_limits::verdict address_limits::admit_new(std::string_view address, steady_clock::time_point now) {
  entry& e = at(address, now);
  if (e.peers >= cfg_.max_peers) return verdict::max_peers;
  if (!e.ids.try_take(now)) return verdict::id_rate;
  ++e.peers;
  // One token back takes 1/rate seconds; the whole burst, burst/rate.
  const auto refill = std::chrono::duration<double>(cfg_.id_burst / cfg_.ids_per_second);
  e.forget_after = now + std::chrono::duration_cast<steady_clock::duration>(refill);
  return verdict::ok;
}

void address_limits::add(std::string_view address, steady_clock::time_point now) { ++at(address, now).peers; }

void address_limits::remove(std::string_view address) {
  const auto found = entries_.find(std::string(address));
  if (found != entries_.end() && found->second.peers > 0) --found->second.peers;
}

void address_limits::sweep(steady_clock::time_point now) {
  std::erase_if(entries_, [now](const auto& kv) { return kv.second.peers == 0 && now >= kv.second.forget_after; });
}

std::size_t address_limits::peers(std::string_view address) const {
  const auto found = entries_.find(std::string(address));
  return found == entries_.end() ? 0 : found->second.peers;
}

}  // namespace switchboard::core
