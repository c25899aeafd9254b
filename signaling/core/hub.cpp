#include "signaling/core/hub.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace switchboard::core {
namespace {

using protocol::error_code;

// IDs come from a CSPRNG, so a collision is astronomically rare; a source
// that keeps colliding is broken and gets an internal error, not a hang.
constexpr int max_id_attempts = 8;

// Constant time in the token contents: a mismatch position must not leak
// through timing. Lengths are public (every token has the same length).
bool tokens_equal(std::string_view expected, std::string_view given) {
  return expected.size() == given.size() && CRYPTO_memcmp(expected.data(), given.data(), given.size()) == 0;
}

}  // namespace

// The constructor and destructor live in hub_cluster.cpp, where cluster_state is complete.

outbound_ptr hub::error_reply(error_code c, std::string_view message, std::string_view ref) {
  events_.error_replied(c);
  return make_reply(protocol::error_message(c, message, ref));
}

hub::start_result hub::start(const std::shared_ptr<participant>& self,
                             const std::optional<protocol::resume_request>& resume, steady_clock::time_point now,
                             std::string_view address, const peer_identity* who) {
  std::lock_guard lock(mutex_);
  start_result out;
  if (resume) {
    if (cluster_ != nullptr && registry_->find(resume->id) == nullptr) {
      resume_remote_locked(self, *resume, address, out);
    } else {
      resume_locked(self, *resume, address, now, out);
    }
  } else {
    start_new_locked(self, address, who, now, out);
  }
  events_.peer_count(registry_->size());
  return out;
}

bool hub::admit_new_locked(std::string_view address, const peer_identity* who, steady_clock::time_point now,
                           start_result& out) {
  // The identity first: refusing it must not spend the address's ID budget.
  if (who != nullptr && cfg_.max_per_identity != 0) {
    const auto found = identities_.find(who->subject);
    if (found != identities_.end() && found->second >= cfg_.max_per_identity) {
      events_.peer_refused(peer_refusal::max_per_identity);
      out.fx.to_self.push_back(error_reply(error_code::rate_limited,
                                           "too many peers for your identity (the limit is " +
                                               std::to_string(cfg_.max_per_identity) +
                                               "): close another tab or device first",
                                           "start"));
      return false;
    }
  }
  switch (addresses_.admit_new(address, now)) {
    case address_limits::verdict::ok: return true;
    case address_limits::verdict::max_peers:
      events_.peer_refused(peer_refusal::max_per_address);
      out.fx.to_self.push_back(error_reply(error_code::rate_limited,
                                           "too many peers from your address (the limit is " +
                                               std::to_string(cfg_.addresses.max_peers) + ")",
                                           "start"));
      return false;
    case address_limits::verdict::id_rate:
      events_.peer_refused(peer_refusal::id_rate);
      out.fx.to_self.push_back(error_reply(error_code::rate_limited,
                                           "too many new peer IDs from your address; retry in a few seconds",
                                           "start"));
      return false;
  }
  return false;
}

void hub::start_new_locked(const std::shared_ptr<participant>& self, std::string_view address,
                           const peer_identity* who, steady_clock::time_point now, start_result& out) {
  if (!admit_new_locked(address, who, now, out)) return;
  for (int attempt = 0; attempt < max_id_attempts; ++attempt) {
    std::string id = sources_.new_peer_id();
    if (id.empty() || registry_->find(id) != nullptr) continue;
    peer_record& rec = registry_->add(id);
    rec.address = address;
    if (who != nullptr) {
      rec.identity = who->subject;
      rec.room = who->room;
      ++identities_[who->subject];
    }
    attach_locked(id, rec, self, false, out.fx);
    if (cluster_ != nullptr) on_registered_locked(id, rec, false, out.fx);
    out.id = std::move(id);
    return;
  }
  addresses_.remove(address);
  out.fx.to_self.push_back(error_reply(error_code::internal, "could not allocate a peer id", "start"));
}

void hub::resume_locked(const std::shared_ptr<participant>& self, const protocol::resume_request& r,
                        std::string_view address, steady_clock::time_point now, start_result& out) {
  const auto fail = [&](resume_result why, std::string_view message) {
    events_.resume_attempted(why);
    out.fx.to_self.push_back(error_reply(error_code::resume_failed, message, "start"));
  };
  peer_record* rec = registry_->find(r.id);
  if (rec == nullptr) return fail(resume_result::unknown_peer, "unknown peer id: it left or its resume grace ran out");
  // A peer adopted from a dead replica is known by its token's hash only.
  const bool token_ok = rec->resume_token.empty() && rec->cluster != nullptr
                            ? tokens_equal(rec->cluster->token_hash, wire::token_hash(r.token))
                            : tokens_equal(rec->resume_token, r.token);
  if (!token_ok) return fail(resume_result::bad_token, "resume token does not match");
  if (rec->cluster != nullptr && rec->cluster->awaiting_handoff) {
    // Resumed again while its state is on the way: the newest connection waits for it.
    auto& cl = *rec->cluster;
    if (cl.incoming && cl.incoming != self) out.fx.to_close_with.emplace_back(std::move(cl.incoming), close_code::replaced);
    cl.incoming = self;
    out.pending = true;
    return;
  }
  // expire() runs on a timer; a grace that ran out since its last tick is
  // still over, so the peer leaves now instead of being revived.
  if (!rec->attached && now - rec->detached_at >= cfg_.resume_grace) {
    leave_locked(r.id, out.fx);
    return fail(resume_result::expired, "the resume grace period ran out; start without resume");
  }
  if (rec->attached) {
    auto old = rec->conn.lock();
    if (old && old != self) out.fx.to_close.push_back(std::move(old));
  } else {
    detached_.erase({rec->detached_at, r.id});
    events_.detached_peer_gone();
  }
  if (rec->address != address) {  // a network change: the peer now counts for its new address
    addresses_.remove(rec->address);
    addresses_.add(address, now);
    rec->address = address;
  }
  attach_locked(r.id, *rec, self, true, out.fx);
  if (rec->cluster != nullptr) on_registered_locked(r.id, *rec, true, out.fx);
  // Behind the start reply, in to_self (performed by the resuming connection itself).
  for (auto& msg : take_pending_locked(*rec)) out.fx.to_self.push_back(std::move(msg));
  rec->flushing = true;
  out.fx.then.push_back([this, id = r.id, key = self.get()] { return flushed(id, key); });
  out.id = r.id;
  events_.resume_attempted(resume_result::ok);
}

void hub::attach_locked(const std::string& id, peer_record& rec, const std::shared_ptr<participant>& self,
                        bool resumed, effects& fx) {
  rec.conn = self;
  rec.conn_key = self.get();
  rec.attached = true;
  rec.resume_token = sources_.new_token();
  fx.to_self.push_back(
      make_reply(protocol::start_reply(id, sources_.ice_servers(id), sources_.ttl(), rec.resume_token, resumed)));
  events_.credentials_minted();
}

effects hub::relay(std::string_view from, const protocol::request& req, steady_clock::time_point received,
                   relay_route* route) {
  return relay(from, protocol::request(req), received, route);
}

effects hub::relay(std::string_view from, protocol::request&& req, steady_clock::time_point received,
                   relay_route* route) {
  return relay_with(
      from, req.act, req.remote_id,
      [&](std::string_view identity) { return protocol::forward(std::move(req), from, identity); }, received, route);
}

effects hub::relay(std::string_view from, const protocol::relay_scan& msg, steady_clock::time_point received,
                   relay_route* route) {
  return relay_with(
      from, msg.act, msg.remote_id,
      [&](std::string_view identity) { return protocol::forward(msg, from, identity); }, received, route);
}

void hub::route_locked(relay_route* route, std::string_view from, std::string_view to, peer_record*& sender,
                       peer_record*& target) {
  if (route == nullptr) {
    sender = registry_->find(from);
    target = registry_->find(to);
    return;
  }
  if (route->self == nullptr || route->removals != removals_) {
    route->self = nullptr;
    route->target_id.set({});
  }
  sender = route->self != nullptr ? route->self : registry_->find(from);
  target = route->target_id.is(to) ? route->target : registry_->find(to);
  route->removals = removals_;
  route->self = sender;  // null (nothing kept) when the sender has no record
  if (target != nullptr) {
    route->target = target;
    route->target_id.set(to);
  }
}

void hub::remove_record_locked(std::string_view id) {
  ++removals_;
  registry_->remove(id);
}

template <class Text>
effects hub::relay_with(std::string_view from, protocol::action act, std::string_view remote_id, Text&& text,
                        steady_clock::time_point received, relay_route* route) {
  std::lock_guard lock(mutex_);
  effects fx;
  const std::string_view ref = protocol::to_string(act);
  if (remote_id == from) {
    fx.to_self.push_back(error_reply(error_code::bad_request, "data.remoteId must not be your own id", ref));
    return fx;
  }
  peer_record* sender = nullptr;
  peer_record* target = nullptr;
  route_locked(route, from, remote_id, sender, target);
  if (target == nullptr && sender != nullptr && cluster_ != nullptr) {
    relay_remote_locked(*sender, from, act, remote_id, text(sender->identity), received, fx);
    return fx;
  }
  // Another room's peer is, to this sender, a peer that does not exist.
  if (target != nullptr && sender != nullptr && target->room != sender->room) target = nullptr;
  if (target == nullptr) {
    events_.message_undelivered(undeliverable_reason::peer_not_found);
    fx.to_self.push_back(error_reply(error_code::peer_not_found, "data.remoteId names no connected peer", ref));
    return fx;
  }
  if (sender == nullptr) {
    fx.to_self.push_back(error_reply(error_code::internal, "this connection's peer id is no longer registered", ref));
    return fx;
  }
  if (!deliver_local_locked(*sender, from, act, remote_id, *target, make_relayed(text(sender->identity), received),
                            fx)) {
    events_.message_undelivered(undeliverable_reason::queue_full);
    fx.to_self.push_back(error_reply(error_code::queue_full,
                                     "the target peer is reconnecting and its message queue is full", ref));
    return fx;
  }
  events_.message_relayed(act);
  // A hangup ends the call: the two are no longer owed a peerLeft.
  if (act == protocol::action::hangup) {
    remove_contact(*sender, remote_id);
    remove_contact(*target, from);
  } else {
    add_contact(*sender, remote_id);
    add_contact(*target, from);
  }
  return fx;
}

void hub::add_contact(peer_record& rec, std::string_view id) {
  if (rec.last_contact.is(id)) return;
  rec.contacts.emplace(id);
  rec.last_contact.set(id);
}

void hub::remove_contact(peer_record& rec, std::string_view id) {
  rec.contacts.erase(std::string(id));
  if (rec.last_contact.is(id)) rec.last_contact.set({});
}

bool hub::send_or_queue_locked(peer_record& rec, outbound_ptr msg, effects& fx) {
  if (rec.attached && rec.cluster != nullptr && rec.cluster->confirming) {
    // Behind its start reply (the reply is the first of them).
    if (rec.cluster->unconfirmed.size() > cfg_.max_queued_messages) return false;
    rec.cluster->unconfirmed.push_back(std::move(msg));
    return true;
  }
  if (rec.attached && !rec.flushing) {
    if (auto conn = rec.conn.lock()) {
      fx.deliveries.push_back({std::move(conn), std::move(msg)});
      return true;
    }
    // Attached but its participant is gone: its disconnect() is on the way,
    // so keep the message for a resume like any detached peer's.
  }
  const std::size_t n = msg->text.size();
  if (!has_room_locked(rec, n)) return false;
  rec.pending_bytes += n;
  pending_total_ += n;
  rec.pending.push_back(std::move(msg));
  return true;
}

std::vector<outbound_ptr> hub::take_pending_locked(peer_record& rec) {
  std::vector<outbound_ptr> out = std::exchange(rec.pending, {});
  pending_total_ -= rec.pending_bytes;
  rec.pending_bytes = 0;
  rec.requeued = 0;
  return out;
}

void hub::flush_locked(const std::string& id, peer_record& rec, const std::shared_ptr<participant>& conn,
                       std::vector<outbound_ptr> msgs, effects& fx) {
  for (auto& msg : msgs) fx.deliveries.push_back({conn, std::move(msg)});
  rec.flushing = true;
  fx.then.push_back([this, id, key = conn.get()] { return flushed(id, key); });
}

effects hub::flushed(const std::string& id, const participant* conn) {
  std::lock_guard lock(mutex_);
  effects fx;
  peer_record* rec = registry_->find(id);
  // Detached, or resumed on another connection, since: that took over.
  if (rec == nullptr || !rec->flushing || !rec->attached || rec->conn_key != conn) return fx;
  auto target = rec->conn.lock();
  if (rec->pending.empty() || target == nullptr) {
    rec->flushing = false;
    return fx;
  }
  flush_locked(id, *rec, target, take_pending_locked(*rec), fx);
  return fx;
}

bool hub::has_room_locked(const peer_record& rec, std::size_t bytes) const {
  return rec.pending.size() < cfg_.max_queued_messages && bytes <= cfg_.max_queued_bytes - rec.pending_bytes &&
         bytes <= cfg_.max_queued_bytes_total - pending_total_;
}

outbound_ptr hub::ice_servers(std::string_view id) {
  std::lock_guard lock(mutex_);  // sources need not be thread-safe
  events_.credentials_minted();
  return make_reply(protocol::ice_servers_reply(sources_.ice_servers(id), sources_.ttl()));
}

effects hub::disconnect(std::string_view id, const participant* conn, bool leave_now, steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  effects fx;
  peer_record* rec = registry_->find(id);
  if (cluster_ != nullptr && disconnect_pending_locked(id, rec, conn)) return fx;
  if (rec != nullptr && conn != nullptr && rec->closing_conn == conn) {
    // Detached by closing() already; the client's close after ours is no goodbye.
    rec->closing_conn = nullptr;
    if (cluster_ != nullptr) closed_locked(std::string(id), *rec, fx);
    return fx;
  }
  if (rec == nullptr || !rec->attached || rec->conn_key != conn) return fx;
  const std::string key(id);
  if (leave_now) {
    leave_locked(key, fx);
  } else {
    detach_locked(key, *rec, now, fx);
  }
  events_.peer_count(registry_->size());
  return fx;
}

effects hub::closing(std::string_view id, const participant* conn, steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  effects fx;
  peer_record* rec = registry_->find(id);
  if (rec == nullptr || !rec->attached || rec->conn_key != conn) return fx;
  detach_locked(std::string(id), *rec, now, fx);
  rec->closing_conn = conn;
  rec->requeued = 0;
  return fx;
}

bool hub::requeue(std::string_view id, outbound_ptr msg) {
  std::lock_guard lock(mutex_);
  peer_record* rec = registry_->find(id);
  if (rec == nullptr || rec->attached || (rec->cluster != nullptr && rec->cluster->awaiting_handoff)) return false;
  const std::size_t n = msg->text.size();
  if (!has_room_locked(*rec, n)) return false;
  rec->pending_bytes += n;
  pending_total_ += n;
  const auto at = static_cast<std::ptrdiff_t>(std::min(rec->requeued, rec->pending.size()));
  rec->pending.insert(rec->pending.begin() + at, std::move(msg));
  ++rec->requeued;
  return true;
}

void hub::detach_locked(const std::string& id, peer_record& rec, steady_clock::time_point now, effects& fx) {
  rec.attached = false;
  rec.flushing = false;  // what it holds waits for the resume
  rec.conn.reset();
  rec.conn_key = nullptr;
  rec.detached_at = now;
  // At the cap the oldest detached peer gives way: it is the least likely to
  // come back, and refusing the new one would mean losing a live call instead.
  while (detached_.size() >= cfg_.max_detached && !detached_.empty()) {
    const std::string oldest = detached_.begin()->second;
    events_.peer_evicted();
    leave_locked(oldest, fx);  // erases it from detached_ (rec is another record: still valid)
  }
  detached_.emplace(now, id);
  events_.peer_detached();
  if (rec.cluster != nullptr && rec.cluster->confirming) {
    // Closed before the directory answered: the client never saw its start
    // reply; what was sent to it after the reply waits for a resume.
    rec.cluster->confirming = false;
    auto held = std::exchange(rec.cluster->unconfirmed, {});
    for (std::size_t i = 1; i < held.size(); ++i) (void)send_or_queue_locked(rec, std::move(held[i]), fx);
  }
}

effects hub::expire(steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  effects fx;
  while (!detached_.empty() && now - detached_.begin()->first >= cfg_.resume_grace) {
    const auto [detached_at, id] = *detached_.begin();
    detached_.erase(detached_.begin());
    const peer_record* rec = registry_->find(id);
    // Skip an index entry that no longer describes the record (defensive: resume erases it).
    if (rec != nullptr && !rec->attached && rec->detached_at == detached_at) leave_locked(id, fx);
  }
  addresses_.sweep(now);
  events_.client_address_count(addresses_.size());
  events_.queued_bytes_total(pending_total_);
  events_.peer_count(registry_->size());
  return fx;
}

void hub::leave_locked(const std::string& id, effects& fx) {
  peer_record* rec = registry_->find(id);
  if (rec == nullptr) return;
  for (const auto& msg : rec->pending) {
    if (msg->relayed) events_.message_undelivered(undeliverable_reason::expired);
  }
  if (!rec->attached) {
    detached_.erase({rec->detached_at, id});
    events_.detached_peer_gone();
  }
  pending_total_ -= rec->pending_bytes;
  addresses_.remove(rec->address);
  if (!rec->identity.empty()) {
    if (const auto found = identities_.find(rec->identity); found != identities_.end() && --found->second == 0) {
      identities_.erase(found);
    }
  }
  const auto contacts = std::move(rec->contacts);
  if (rec->cluster != nullptr) on_leave_cluster_locked(id, *rec, contacts);
  remove_record_locked(id);
  events_.peer_left();
  const outbound_ptr left = make_reply(protocol::peer_left(id));
  for (const auto& c : contacts) {
    peer_record* contact = registry_->find(c);
    if (contact == nullptr) continue;
    remove_contact(*contact, id);
    // A full queue drops the notice; the contact learns from peer-not-found instead.
    (void)send_or_queue_locked(*contact, left, fx);
  }
}

std::size_t hub::peer_count() const {
  std::lock_guard lock(mutex_);
  return registry_->size();
}

std::size_t hub::detached_count() const {
  std::lock_guard lock(mutex_);
  return detached_.size();
}

std::size_t hub::queued_bytes_total() const {
  std::lock_guard lock(mutex_);
  return pending_total_;
}

}  // namespace switchboard::core
