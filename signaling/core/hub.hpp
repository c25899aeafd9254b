#pragma once
// The signaling hub: issues IDs, routes relayed messages, keeps detached
// peers for resume, tells contacts when a peer leaves. Thread-safe (one
// mutex); returns side effects instead of performing them, so callers send
// after the lock is released and tests inspect them directly.

#include "signaling/core/address_limits.hpp"
#include "signaling/core/auth_gate.hpp"
#include "signaling/core/events.hpp"
#include "signaling/core/participant.hpp"
#include "signaling/core/peer_registry.hpp"
#include "signaling/protocol/message.hpp"
#include "signaling/protocol/relay_scan.hpp"

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
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

// Where credentials and identifiers come from; fakes in tests.
struct hub_sources {
  // iceServers for a peer (TURN credentials minted for it) and their lifetime.
  std::function<std::vector<protocol::ice_server>(std::string_view peer_id)> ice_servers;
  std::function<std::chrono::seconds()> ttl;
  std::function<std::string()> new_peer_id;   // 21 URL-safe characters
  std::function<std::string()> new_token;     // resume token
};

class hub {
public:
  hub(hub_config cfg, std::unique_ptr<peer_registry> registry, hub_sources sources, signaling_events& events);

  struct start_result {
    std::string id;  // empty when the start failed (effects.to_self holds the error)
    effects fx;      // to_self: the start reply, then any messages queued while away
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
  effects relay(std::string_view from, const protocol::request& req, steady_clock::time_point received);
  // The same, consuming req.data (no copy of the message for the forwarded text).
  effects relay(std::string_view from, protocol::request&& req, steady_clock::time_point received);
  // The same for a message read by protocol::scan_relayed (no JSON tree at all).
  effects relay(std::string_view from, const protocol::relay_scan& msg, steady_clock::time_point received);

  // Fresh iceServers for a started peer.
  outbound_ptr ice_servers(std::string_view id);

  // The connection `conn` of peer `id` closed. leave_now: the client said goodbye,
  // the peer leaves at once; otherwise it is kept for resume_grace. Ignored when
  // `conn` is no longer the peer's connection (it was replaced).
  effects disconnect(std::string_view id, const participant* conn, bool leave_now,
                     steady_clock::time_point now);

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
                     steady_clock::time_point received);
  void leave_locked(const std::string& id, effects& fx);
  static void add_contact(peer_record& rec, std::string_view id);
  static void remove_contact(peer_record& rec, std::string_view id);
  // Delivers to an attached peer or queues for a detached one; false when its queue is full.
  bool send_or_queue_locked(peer_record& rec, outbound_ptr msg, effects& fx);
  outbound_ptr error_reply(protocol::error_code c, std::string_view message, std::string_view ref);

  mutable std::mutex mutex_;
  hub_config cfg_;
  std::unique_ptr<peer_registry> registry_;
  hub_sources sources_;
  signaling_events& events_;
  std::set<std::pair<steady_clock::time_point, std::string>> detached_;  // expiry order
  std::size_t pending_total_ = 0;  // bytes queued for all detached peers
  address_limits addresses_;
  std::unordered_map<std::string, std::size_t> identities_;  // peers per token subject
};

}  // namespace switchboard::core
