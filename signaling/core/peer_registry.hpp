#pragma once
// The set of known peers, behind an interface: today in memory, later shared
// between replicas (Redis). The hub serialises access; implementations need
// not be thread-safe.

#include "signaling/core/participant.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace switchboard::core {

// What a peer needs only when other replicas exist (null on a single node).
struct cluster_peer {
  std::uint64_t epoch = 0;   // the directory epoch of our ownership
  std::string token_hash;    // a peer adopted from a dead replica: only the hash is known
  std::uint64_t gen = 0;     // this peer's sending generation (a new one when its counters were lost)
  std::unordered_map<std::string, std::uint64_t> sent;  // target → last sequence number sent over the bus
  struct inbound {
    std::uint64_t gen = 0;
    std::uint64_t next = 1;
  };
  std::unordered_map<std::string, inbound> received;    // sender → what comes next over the bus
  // Bus messages that came before their turn (bounded; delivered at the
  // latest when `since` is a hand-off timeout old, the gap given up).
  struct held_message {
    std::string from;
    std::string node;        // the sender's replica (for an error back)
    std::uint8_t act = 0;    // protocol::action, for that error's ref
    std::uint64_t gen = 0;
    std::uint64_t seq = 0;
    bool hangup = false;
    outbound_ptr msg;
    steady_clock::time_point since{};
  };
  std::vector<held_message> held;
  // Taken over from another replica: the connection waits for its state.
  bool awaiting_handoff = false;
  steady_clock::time_point handoff_deadline{};
  std::shared_ptr<participant> incoming;   // the resumed connection, attached once the state is in
  bool adopted = false;  // taken from a dead replica: its contacts are unknown here
  // A hand-off request (the new owner, its epoch) that came while the peer's
  // closing connection still read what its client had sent: answered once
  // that connection ends, so nothing it read is overtaken.
  std::optional<std::pair<std::string, std::uint64_t>> deferred_handoff;
  steady_clock::time_point deferred_at{};
  // A new peer's start reply, and anything sent to it after, held until the
  // directory has its ID: a client told its ID before then could hand it to
  // a peer on another replica, which would not find it yet.
  bool confirming = false;
  std::vector<outbound_ptr> unconfirmed;
};

struct peer_record {
  std::weak_ptr<participant> conn;        // expired/empty while detached
  // Identity of `conn`, still comparable after the participant is destroyed,
  // so a late disconnect() from it is recognised rather than leaking the peer.
  const participant* conn_key = nullptr;
  bool attached = false;
  // Attached, but the messages kept for it (a resume, a hand-off, a start
  // reply held for the directory) are on their way to `conn` in effects not
  // yet performed: what is sent to it meanwhile waits in `pending` behind
  // them (hub::flushed) instead of overtaking them.
  bool flushing = false;
  std::string resume_token;               // current token (rotated on every start/resume)
  std::string address;                    // client IP it was started or last resumed from
  std::string identity;                   // auth.mode jwt: the token's subject; empty otherwise
  std::optional<std::string> room;        // auth.mode jwt: the token's room claim
  steady_clock::time_point detached_at{};
  // Detached by hub::closing while that connection (a drain closed it) still
  // reads what the client sent before it saw the close; null otherwise.
  const participant* closing_conn = nullptr;
  // Messages at the front of `pending` that hub::requeue put back (routed to
  // the closing connection before it was detached, and reached it too late).
  std::size_t requeued = 0;
  // Kept for a detached peer, bounded. A vector: appended and taken whole, and
  // unlike a deque it allocates nothing until used (every peer has one).
  std::vector<outbound_ptr> pending;
  std::size_t pending_bytes = 0;
  std::unique_ptr<cluster_peer> cluster;      // null unless clustered
  std::unordered_set<std::string> contacts;  // peers it exchanged messages with
  // One of `contacts` (or empty): relaying to the same peer again skips hashing
  // both ids into both sets, which every relayed message would otherwise do.
  // Inline (ids are 21 characters), so the check touches no other memory.
  struct recent_contact {
    std::array<char, 31> chars{};
    std::uint8_t size = 0;  // 0: none (ids are never empty)
    bool is(std::string_view id) const noexcept { return size != 0 && std::string_view(chars.data(), size) == id; }
    void set(std::string_view id) noexcept {
      size = id.size() <= chars.size() ? static_cast<std::uint8_t>(id.size()) : 0;  // longer: not kept
      std::copy_n(id.data(), size, chars.data());
    }
  } last_contact;
};

class peer_registry {
public:
  virtual ~peer_registry() = default;
  virtual peer_record* find(std::string_view id) = 0;
  // Adds a record; the id must not be present.
  virtual peer_record& add(const std::string& id) = 0;
  virtual void remove(std::string_view id) = 0;
  virtual std::size_t size() const = 0;
  // Every record, in no particular order; `f` must not add or remove records.
  virtual void for_each(const std::function<void(const std::string& id, peer_record& rec)>& f) = 0;
};

// Hash map registry: O(1) lookups whatever the number of peers.
std::unique_ptr<peer_registry> make_memory_registry();

}  // namespace switchboard::core
