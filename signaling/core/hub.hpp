#pragma once
// The signaling hub: issues IDs, routes relayed messages, keeps detached
// peers for resume, tells contacts when a peer leaves. Thread-safe (one
// mutex); returns side effects instead of performing them, so callers send
// after the lock is released and tests inspect them directly.

#include "signaling/core/address_limits.hpp"
#include "signaling/core/auth_gate.hpp"
#include "signaling/core/cluster.hpp"
#include "signaling/core/envelope.hpp"
#include "signaling/core/events.hpp"
#include "signaling/core/participant.hpp"
#include "signaling/core/peer_registry.hpp"
#include "signaling/protocol/message.hpp"
#include "signaling/protocol/relay_scan.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace switchboard::core {

struct hub_config {
  std::chrono::milliseconds resume_grace{30000};
  std::size_t max_queued_messages = 64;             // per detached peer
  std::size_t max_queued_bytes = 256 * 1024;        // per detached peer
  std::size_t max_detached = 10000;                 // at the cap the oldest detached peer leaves
  std::size_t max_queued_bytes_total = 64 << 20;    // all detached peers' queues together
  address_limits_config addresses;                  // per client address
  std::size_t max_per_identity = 10;                // peers holding an ID per token subject (auth.mode jwt)
};

// With other replicas (docs/cluster.md).
struct hub_cluster_config {
  std::string node;                                  // this replica's name in the directory and on the bus
  std::chrono::milliseconds handoff_timeout{2000};   // wait for the previous owner's state (resume, reordering)
  std::chrono::milliseconds node_ttl{5000};          // liveness key lifetime
  std::chrono::milliseconds heartbeat_interval{1000};
  std::size_t max_cached_owners = 100000;            // owner lookups remembered (cleared whole at the bound)
  std::size_t max_lookup_waiters = 4096;             // relays waiting for an owner lookup, all targets
  std::size_t max_held = 256;                        // bus messages waiting for an earlier one, per peer
};

// What the cluster side reports (signaling/metrics exports it); no-ops by default.
class cluster_events {
public:
  // close_timed_out: a hand-off out released because the drained connection
  // left its close unanswered for a quarter of handoff_timeout (then also
  // resume_out).
  enum class handoff { resume_in, resume_out, timed_out, close_timed_out };
  enum class dropped { malformed, duplicate, stale, gap };
  virtual ~cluster_events() = default;
  virtual void published() {}                  // a message handed to the bus
  virtual void received() {}                   // a message from the bus
  virtual void envelope_dropped(dropped why) { (void)why; }
  virtual void handoff_done(handoff kind) { (void)kind; }
  virtual void dead_node_adopted(std::size_t peers) { (void)peers; }
  virtual void dead_node_peer_left() {}
  virtual void degraded(bool on) { (void)on; }
  virtual void reasserted(std::size_t peers, std::size_t lost) { (void)peers; (void)lost; }
};

// Where credentials and identifiers come from; fakes in tests.
struct hub_sources {
  // iceServers for a peer (TURN credentials minted for it) and their lifetime.
  std::function<std::vector<protocol::ice_server>(std::string_view peer_id)> ice_servers;
  std::function<std::chrono::seconds()> ttl;
  std::function<std::string()> new_peer_id;   // 21 URL-safe characters
  std::function<std::string()> new_token;     // resume token
};

// What one connection keeps between its relays (hub::relay): its own peer's
// record and its last target's, with that target's id inline, so relaying
// again to the same peer hashes no id and walks no bucket. Records never
// move while they exist, so the pointers hold as long as no peer has been
// removed since they were taken (hub counts removals). Touched only by
// hub::relay, under the hub's mutex; opaque to its owner.
class relay_route {
  friend class hub;
  std::uint64_t removals = 0;       // the hub's removal count when filled
  peer_record* self = nullptr;      // null: nothing kept
  peer_record* target = nullptr;
  peer_record::recent_contact target_id;
};

class hub {
public:
  hub(hub_config cfg, std::unique_ptr<peer_registry> registry, hub_sources sources, signaling_events& events);

  ~hub();

  // Joins the other replicas through `dir` and `bus` (set before bus.start();
  // all three must outlive the hub's use of them). Without it the hub is a
  // single node and touches neither.
  void join_cluster(hub_cluster_config cfg, peer_directory& dir, message_bus& bus, cluster_events& events);
  // Every cluster.heartbeat_interval: liveness, dead replicas, hand-offs and
  // reordering that ran out of time.
  void cluster_tick(steady_clock::time_point now);
  // The bus is down: messages for other replicas are answered `unavailable`.
  bool degraded() const;

  struct start_result {
    std::string id;  // empty when the start failed (effects.to_self holds the error)
    effects fx;      // to_self: the start reply, then any messages queued while away
    // A resume that asked the directory: the reply comes later, through
    // participant::started and deliver (the id is `resuming`).
    bool pending = false;
  };
  // `start` from a connection without an ID; with `resume`, reclaims a detached
  // (or still attached: the old connection is closed as replaced) peer.
  // `address` is the client's IP: new IDs are limited per address (a resume is not).
  // `who` (auth.mode jwt) is the verified token's identity: a new peer takes its
  // subject and room, limited per subject; a resumed peer keeps its own.
  start_result start(const std::shared_ptr<participant>& self,
                     const std::optional<protocol::resume_request>& resume, steady_clock::time_point now,
                     std::string_view address = {}, const peer_identity* who = nullptr);

  // A relayed message (offer/answer/iceCandidate/hangup) from started peer `from`.
  // `route`: the sending connection's (always the same connection's, or null).
  effects relay(std::string_view from, const protocol::request& req, steady_clock::time_point received,
                relay_route* route = nullptr);
  // The same, consuming req.data (no copy of the message for the forwarded text).
  effects relay(std::string_view from, protocol::request&& req, steady_clock::time_point received,
                relay_route* route = nullptr);
  // The same for a message read by protocol::scan_relayed (no JSON tree at all).
  effects relay(std::string_view from, const protocol::relay_scan& msg, steady_clock::time_point received,
                relay_route* route = nullptr);

  // Fresh iceServers for a started peer.
  outbound_ptr ice_servers(std::string_view id);

  // The connection `conn` of peer `id` closed (for a pending resume: the id it asked for). leave_now: the client said goodbye,
  // the peer leaves at once; otherwise it is kept for resume_grace. Ignored when
  // `conn` is no longer the peer's connection (it was replaced).
  effects disconnect(std::string_view id, const participant* conn, bool leave_now,
                     steady_clock::time_point now);

  // The server began closing `conn`, peer `id`'s connection, with 1001 (a
  // drain). The peer is detached at once, so what is sent to it from now on
  // is kept for its resume (on any replica) instead of going to a closing
  // socket. The connection still reads, and relays, what the client sent
  // before it saw the close, until disconnect(); a hand-off of the peer to
  // another replica waits for that (a quarter of cluster.handoff_timeout at
  // most), so none of it is overtaken.
  effects closing(std::string_view id, const participant* conn, steady_clock::time_point now);
  // A message routed to peer `id`'s connection before closing() detached it,
  // which reached the connection after its close frame: kept for the resume,
  // ahead of what was routed after closing() (and behind earlier ones of its
  // kind). False when the peer is no longer detached here or its queue is full.
  bool requeue(std::string_view id, outbound_ptr msg);

  // Detached peers whose grace has run out leave for good (peerLeft to contacts).
  effects expire(steady_clock::time_point now);

  std::size_t peer_count() const;
  std::size_t detached_count() const;
  std::size_t queued_bytes_total() const;

private:
  void start_new_locked(const std::shared_ptr<participant>& self, std::string_view address,
                        const peer_identity* who, steady_clock::time_point now, start_result& out);
  // False (with the refusal in out) when the address or the identity has no room for one more peer.
  bool admit_new_locked(std::string_view address, const peer_identity* who, steady_clock::time_point now,
                        start_result& out);
  void resume_locked(const std::shared_ptr<participant>& self, const protocol::resume_request& r,
                     std::string_view address, steady_clock::time_point now, start_result& out);
  // Detaches `rec`; at peers.max_detached the oldest detached peer leaves first.
  void detach_locked(const std::string& id, peer_record& rec, steady_clock::time_point now, effects& fx);
  // Binds `rec` to `self`, rotates its token and appends the start reply.
  void attach_locked(const std::string& id, peer_record& rec, const std::shared_ptr<participant>& self,
                     bool resumed, effects& fx);
  // `text` makes the forwarded message, only once it is known to be delivered or kept.
  template <class Text>
  effects relay_with(std::string_view from, protocol::action act, std::string_view remote_id, Text&& text,
                     steady_clock::time_point received, relay_route* route);
  // The records of `from` and `to` (null when absent), from `route` when it still holds them.
  void route_locked(relay_route* route, std::string_view from, std::string_view to, peer_record*& sender,
                    peer_record*& target);
  // Every record is removed here: relay_route pointers taken before are void.
  void remove_record_locked(std::string_view id);
  void leave_locked(const std::string& id, effects& fx);
  static void add_contact(peer_record& rec, std::string_view id);
  static void remove_contact(peer_record& rec, std::string_view id);
  // Delivers to an attached peer or queues for a detached one; false when its queue is full.
  bool send_or_queue_locked(peer_record& rec, outbound_ptr msg, effects& fx);
  // Whether a detached peer's queue has room for `bytes` more.
  bool has_room_locked(const peer_record& rec, std::size_t bytes) const;
  // Empties `pending` (and its byte counts) into the result.
  std::vector<outbound_ptr> take_pending_locked(peer_record& rec);
  outbound_ptr error_reply(protocol::error_code c, std::string_view message, std::string_view ref);

  // Cluster parts (hub_cluster.cpp).
  struct cluster_state;
  void resume_remote_locked(const std::shared_ptr<participant>& self, const protocol::resume_request& r,
                            std::string_view address, start_result& out);
  void relay_remote_locked(peer_record& sender, std::string_view from, protocol::action act,
                           std::string_view remote_id, std::string text, steady_clock::time_point received,
                           effects& fx);
  void send_relay_locked(peer_record& sender, std::string_view from, protocol::action act, std::string_view to,
                         const std::string& node, std::string text, effects& fx);
  // A new peer's start reply (in fx.to_self) waits for the directory's answer.
  void on_registered_locked(const std::string& id, peer_record& rec, bool resumed, effects& fx);
  void on_leave_cluster_locked(const std::string& id, peer_record& rec, const std::unordered_set<std::string>& contacts);
  // A connection closed while its resume waits for the directory or a hand-off: true when handled.
  bool disconnect_pending_locked(std::string_view id, peer_record* rec, const participant* conn);
  // The connection a drain closed (closing()) ended, or its client took too
  // long to answer the close: a hand-off asked for meanwhile goes now.
  void closed_locked(const std::string& id, peer_record& rec, effects& fx);
  void on_bus_message(std::string_view payload);
  void on_bus_state(bool up);
  void on_bus_unreceived(std::string_view node, std::string_view payload);
  void on_lookup(const std::string& id, directory_status st, const directory_entry& e);
  void on_take_over(const std::string& id, directory_status st, const directory_entry& e, const std::string& previous);
  void on_adopted(const std::string& dead, directory_status st, std::vector<directory_entry> entries);
  void on_claimed(const std::string& id, std::uint64_t epoch, directory_status st);
  void accept_relay_locked(const std::string& id, peer_record& rec, wire::envelope&& m, effects& fx);
  // The same for a message already made (a bus message, or a local one numbered like them).
  void accept_held_locked(const std::string& id, peer_record& rec, cluster_peer::held_message h, effects& fx);
  // A relay to `target`, peer `to` on this replica. With other replicas, a
  // pair that used the bus before (one of them moved here) goes on numbering
  // its messages, so this one cannot overtake one still on its way. False
  // when the target's queue is full.
  bool deliver_local_locked(peer_record& sender, std::string_view from, protocol::action act, std::string_view to,
                            peer_record& target, outbound_ptr msg, effects& fx);
  // Relays that waited for the directory to say where `id` is, now that it is here.
  void deliver_waiting_locked(const std::string& id, peer_record& target, effects& fx);
  void deliver_inbound_locked(const std::string& id, peer_record& rec, const cluster_peer::held_message& h,
                              effects& fx);
  void on_reasserted(const std::string& id, std::uint64_t epoch, directory_status st);
  void release_held_locked(const std::string& id, peer_record& rec, steady_clock::time_point now, bool all,
                           effects& fx);
  void finish_handoff_locked(const std::string& id, peer_record& rec, effects& fx);
  void hand_off_locked(const std::string& id, const std::string& to_node, std::uint64_t epoch, effects& fx);
  void remove_quietly_locked(const std::string& id);
  void tell_sender_locked(const std::string& node, std::string_view peer, std::string_view target,
                          protocol::action act, protocol::error_code code, std::string_view message);
  static std::uint64_t next_gen();
  // Performs effects produced outside a caller's call (bus and directory completions).
  static void perform(effects&& fx);
  // Hands `msgs` to `conn`, the connection of peer `id`, in effects; the peer
  // stays flushing until they are performed (flushed).
  void flush_locked(const std::string& id, peer_record& rec, const std::shared_ptr<participant>& conn,
                    std::vector<outbound_ptr> msgs, effects& fx);
  // The effects of flush_locked were performed: what was sent meanwhile goes
  // the same way, or, with nothing left, the peer gets messages directly again.
  effects flushed(const std::string& id, const participant* conn);

  mutable std::mutex mutex_;
  std::uint64_t removals_ = 0;  // records removed so far (relay_route)
  hub_config cfg_;
  std::unique_ptr<peer_registry> registry_;
  hub_sources sources_;
  signaling_events& events_;
  std::set<std::pair<steady_clock::time_point, std::string>> detached_;  // expiry order
  std::size_t pending_total_ = 0;  // bytes queued for all detached peers
  address_limits addresses_;
  std::unordered_map<std::string, std::size_t> identities_;  // peers per token subject
  std::unique_ptr<cluster_state> cluster_;                    // null: a single node
};

}  // namespace switchboard::core
