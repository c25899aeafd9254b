#pragma once
// Per-client-address accounting for the hub: how many peers an address holds
// (connected or detached) and a token bucket of new peer IDs, so one address
// cannot mint thousands of IDs or park thousands of detached peers. Not
// thread-safe: the hub calls it under its lock.
//
// Bounded: an address has an entry only while it holds a peer or while its
// ID bucket is refilling (burst / rate seconds after its last new ID); sweep()
// forgets the rest.

#include "signaling/core/participant.hpp"
#include "signaling/core/token_bucket.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace switchboard::core {

struct address_limits_config {
  std::size_t max_peers = 64;  // peers holding an ID per address
  double ids_per_second = 2;   // new IDs per address, sustained
  double id_burst = 20;        // bucket size
};

class address_limits {
public:
  enum class verdict { ok, max_peers, id_rate };

  explicit address_limits(address_limits_config cfg) : cfg_(cfg) {}

  // A new peer ID for `address`: checks both limits and, when ok, counts the peer.
  verdict admit_new(std::string_view address, steady_clock::time_point now);
  // A peer moves to `address` without a new ID (resume): counted, never refused.
  void add(std::string_view address, steady_clock::time_point now);
  // A peer of `address` is gone.
  void remove(std::string_view address);
  // Forgets addresses that hold no peer and whose bucket is full again.
  void sweep(steady_clock::time_point now);

  std::size_t peers(std::string_view address) const;
  std::size_t size() const noexcept { return entries_.size(); }

private:
  struct entry {
    entry(const address_limits_config& c, steady_clock::time_point now) : ids(c.ids_per_second, c.id_burst, now) {}
    std::size_t peers = 0;
    token_bucket ids;
    steady_clock::time_point forget_after{};  // bucket full again by then
  };
  entry& at(std::string_view address, steady_clock::time_point now);

  address_limits_config cfg_;
  std::unordered_map<std::string, entry> entries_;
};

}  // namespace switchboard::core
