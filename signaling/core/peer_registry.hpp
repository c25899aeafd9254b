#pragma once
// The set of known peers, behind an interface: today in memory, later shared
// between replicas (Redis). The hub serialises access; implementations need
// not be thread-safe.

#include "signaling/core/participant.hpp"

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

namespace switchboard::core {

struct peer_record {
  std::weak_ptr<participant> conn;        // expired/empty while detached
  // Identity of `conn`, still comparable after the participant is destroyed,
  // so a late disconnect() from it is recognised rather than leaking the peer.
  const participant* conn_key = nullptr;
  bool attached = false;
  std::string resume_token;               // current token (rotated on every start/resume)
  steady_clock::time_point detached_at{};
  std::deque<outbound_ptr> pending;       // kept for a detached peer, bounded
  std::size_t pending_bytes = 0;
  std::unordered_set<std::string> contacts;  // peers it exchanged messages with
  // One of `contacts` (or empty): relaying to the same peer again skips hashing
  // both ids into both sets, which every relayed message would otherwise do.
  std::string last_contact;
};

class peer_registry {
public:
  virtual ~peer_registry() = default;
  virtual peer_record* find(std::string_view id) = 0;
  // Adds a record; the id must not be present.
  virtual peer_record& add(const std::string& id) = 0;
  virtual void remove(std::string_view id) = 0;
  virtual std::size_t size() const = 0;
};

// Hash map registry: O(1) lookups whatever the number of peers.
std::unique_ptr<peer_registry> make_memory_registry();

}  // namespace switchboard::core
