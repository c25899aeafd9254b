#pragma once
// What a replica shares with the others (docs/cluster.md): a directory of
// peer ownership and a message bus between replicas. Interfaces only: the
// in-memory implementations (core/memory_cluster.hpp: one process, for tests
// and the contract suite) and the Redis ones (signaling/cluster) sit behind
// them, and one contract test suite (tests/cluster/contract_*) runs against
// both.
//
// Conventions shared by every implementation:
// - Calls never block and never run their completion handler inside the
//   call: handlers are posted (Redis: the client's strand; memory: the
//   cluster's post function). A handler runs exactly once.
// - `unavailable` means the operation could not be done now (the store is
//   unreachable, a bound is reached, or a timeout passed); the caller decides
//   what the user sees. A timed-out write may still have taken effect.
// - Handlers of one object run one at a time, in the order their operations
//   completed.
// - Thread-safe: every call may come from any thread (the Redis ones post
//   onto their strand; a caller on that strand pays no extra hop).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::core {

// One peer's entry in the directory.
struct directory_entry {
  std::string id;
  std::string node;                   // the replica that owns it
  std::uint64_t epoch = 0;            // raised by every change of owner; fences the old one
  std::string token_hash;             // hex SHA-256 of the current resume token
  std::string identity;               // token subject (auth.mode jwt), or empty
  std::optional<std::string> room;    // token room claim (auth.mode jwt)
};

enum class directory_status {
  ok,
  not_found,    // no such id
  conflict,     // claim: the id exists; update/release/reassert: another node or epoch holds it; adopt: node alive or taken
  bad_token,    // take_over: the token hash does not match
  unavailable,  // the store could not be reached (or a bound or timeout)
};
std::string_view to_string(directory_status s) noexcept;

struct node_state {
  std::string node;
  bool alive = false;  // its liveness key exists
};

class peer_directory {
public:
  virtual ~peer_directory() = default;

  // A new id owned by `e.node`, at epoch 1 (e.epoch is ignored). conflict if the id exists.
  virtual void claim(const directory_entry& e, std::function<void(directory_status)> done) = 0;
  // The entry (token_hash included) or not_found.
  virtual void lookup(std::string_view id, std::function<void(directory_status, directory_entry)> done) = 0;
  // Resume on `node`: if the stored hash equals `token_hash`, the id moves to
  // `node` with epoch + 1 and `new_token_hash`; the handler gets the new entry
  // and the previous owner's name (possibly `node` itself).
  virtual void take_over(std::string_view id, std::string_view node, std::string_view token_hash,
                         std::string_view new_token_hash,
                         std::function<void(directory_status, directory_entry, std::string previous)> done) = 0;
  // A resume on the owning node rotates the token: only while (node, epoch) still own the id.
  virtual void update_token(std::string_view id, std::string_view node, std::uint64_t epoch,
                            std::string_view new_token_hash, std::function<void(directory_status)> done) = 0;
  // The peer left: removed only while (node, epoch) still own it.
  virtual void release(std::string_view id, std::string_view node, std::uint64_t epoch,
                       std::function<void(directory_status)> done) = 0;
  // After a reconnect (the store may have lost everything): writes `e` back if
  // the id is absent or still owned by (e.node, e.epoch); conflict otherwise.
  virtual void reassert(const directory_entry& e, std::function<void(directory_status)> done) = 0;

  // Node liveness: `node` is alive for `ttl` from now (refreshed by a local
  // timer; the store expires it).
  virtual void heartbeat(std::string_view node, std::chrono::milliseconds ttl,
                         std::function<void(directory_status)> done) = 0;
  // Every node that has registered and not yet been removed, alive or not.
  virtual void nodes(std::function<void(directory_status, std::vector<node_state>)> done) = 0;
  // A dead node's peers move to `by` (epoch + 1 each), once: conflict when
  // `dead` is alive or another node adopted them already. The handler gets the
  // moved entries; `dead` leaves the node list.
  virtual void adopt(std::string_view dead, std::string_view by,
                     std::function<void(directory_status, std::vector<directory_entry>)> done) = 0;
  // A clean shutdown: the node's liveness and its place in the node list go.
  virtual void remove_node(std::string_view node, std::function<void(directory_status)> done) = 0;
};

// Messages between replicas. At most once; in order for each (sender node,
// receiving node) pair; broadcasts reach every subscribed node, the sender
// included.
class message_bus {
public:
  virtual ~message_bus() = default;

  // Set both before start(). The message handler gets payloads addressed to
  // this node and broadcasts; the state handler up/down transitions (after a
  // down, messages may have been lost: resynchronise).
  virtual void on_message(std::function<void(std::string_view payload)> handler) = 0;
  virtual void on_state(std::function<void(bool up)> handler) = 0;
  // Set before start(), optional: a message send() queued that no node
  // received (nobody listens for `node`: that replica is gone), with its
  // payload, so the sender can be told instead of left waiting. Broadcasts
  // never report.
  virtual void on_unreceived(std::function<void(std::string_view node, std::string_view payload)> handler) = 0;
  virtual void start() = 0;
  virtual void close() = 0;

  // False at once when the message cannot be sent now (down, or the outbound
  // queue is at its bound): the caller answers `unavailable`. True means queued.
  virtual bool send(std::string_view node, std::string payload) = 0;
  virtual bool broadcast(std::string payload) = 0;

  // Both directions ready (publishing and subscribed).
  virtual bool up() const = 0;
  // Messages waiting to be sent or acknowledged.
  virtual std::size_t queued() const = 0;
};

}  // namespace switchboard::core
