// The hub's cluster side (docs/cluster.md): relays to peers on other
// replicas, resume on any replica with a fenced hand-off, peerLeft across
// replicas, dead replicas' peers, and what changes while the bus is down.
// Everything here runs under the hub's mutex, like the rest of the hub;
// directory and bus completions arrive later, take the mutex and perform
// their effects themselves (hub::perform).

#include "signaling/core/hub.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>

namespace switchboard::core {
namespace {

using protocol::error_code;

constexpr std::size_t max_sent_entries = 4096;  // per peer; past it a new generation starts
constexpr std::size_t max_early = 256;          // bus messages for a peer whose take-over is in flight

std::string_view ref_of(std::uint64_t act) {
  return act <= static_cast<std::uint64_t>(protocol::action::ice_servers)
             ? protocol::to_string(static_cast<protocol::action>(act))
             : std::string_view();
}

}  // namespace

struct hub::cluster_state {
  cluster_state(hub_cluster_config c, peer_directory& d, message_bus& b, cluster_events& e)
      : cfg(std::move(c)), dir(d), bus(b), ev(e) {}

  hub_cluster_config cfg;
  peer_directory& dir;
  message_bus& bus;
  cluster_events& ev;

  // Who owns a peer of another replica, as last looked up; dropped on
  // peer-not-found, peerLeft and a forget-broadcast, updated by `moved`.
  struct owner {
    std::string node;
    std::uint64_t epoch = 0;
    std::optional<std::string> room;
  };
  std::unordered_map<std::string, owner> owners;

  // Relays waiting for their target's owner (one lookup per target).
  struct waiting {
    std::string from;
    protocol::action act = protocol::action::offer;
    std::string text;
    std::optional<std::string> room;
  };
  std::unordered_map<std::string, std::vector<waiting>> lookups;
  std::size_t waiting_count = 0;

  // Resumes of peers owned elsewhere, waiting for the directory.
  struct resuming {
    std::shared_ptr<participant> conn;  // null once that connection closed
    std::string address;
    std::string token;                  // the new resume token, if it succeeds
    std::vector<wire::envelope> early;  // bus messages that came before the directory's answer
  };
  std::unordered_map<std::string, resuming> resumes;

  std::unordered_set<std::string> awaiting;    // taken over, waiting for the previous owner's state
  std::unordered_set<std::string> deferring;   // hand-offs waiting for a drained connection to end
  std::unordered_set<std::string> held_peers;  // peers with bus messages waiting for an earlier one
  std::unordered_set<std::string> unclaimed;   // registrations the directory did not take (retried)
  std::unordered_set<std::string> adopting;    // dead replicas being adopted
  std::map<std::string, std::uint64_t> unreleased;  // left while the directory could not be told
  bool up = false;
  steady_clock::time_point up_since{};
  bool nodes_in_flight = false;

  const std::string& node() const { return cfg.node; }
  bool send(const std::string& to, const wire::envelope& e) {
    if (!bus.send(to, wire::encode(e))) return false;
    ev.published();
    return true;
  }
  bool broadcast(const wire::envelope& e) {
    if (!bus.broadcast(wire::encode(e))) return false;
    ev.published();
    return true;
  }
  void cache(const std::string& id, owner o) {
    if (owners.size() >= cfg.max_cached_owners) owners.clear();
    owners[id] = std::move(o);
  }
};

hub::hub(hub_config cfg, std::unique_ptr<peer_registry> registry, hub_sources sources, signaling_events& events)
    : cfg_(cfg),
      registry_(std::move(registry)),
      sources_(std::move(sources)),
      events_(events),
      addresses_(cfg.addresses) {}

hub::~hub() = default;

std::uint64_t hub::next_gen() {
  // Microseconds of the wall clock, strictly increasing in this process: a
  // generation made after a crash (counters lost) is above any made before
  // it, on whichever replica, as long as clocks agree within the seconds a
  // crash takes to detect.
  static std::atomic<std::uint64_t> last{0};
  const auto now = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::uint64_t prev = last.load();
  std::uint64_t next = 0;
  do {
    next = std::max(now, prev + 1);
  } while (!last.compare_exchange_weak(prev, next));
  return next;
}

void hub::perform(effects&& fx) {
  for (auto& [p, id] : fx.started) p->started(id);
  for (auto& d : fx.deliveries) d.to->deliver(std::move(d.msg));
  for (auto& p : fx.to_close) p->close(close_code::replaced);
  for (auto& [p, code] : fx.to_close_with) p->close(code);
  for (auto& next : fx.then) perform(next());
}

void hub::join_cluster(hub_cluster_config cfg, peer_directory& dir, message_bus& bus, cluster_events& events) {
  {
    std::lock_guard lock(mutex_);
    cluster_ = std::make_unique<cluster_state>(std::move(cfg), dir, bus, events);
  }
  bus.on_message([this](std::string_view payload) { on_bus_message(payload); });
  bus.on_state([this](bool up) { on_bus_state(up); });
  bus.on_unreceived([this](std::string_view node, std::string_view payload) { on_bus_unreceived(node, payload); });
}

bool hub::degraded() const {
  std::lock_guard lock(mutex_);
  return cluster_ != nullptr && !cluster_->up;
}

// --- registration --------------------------------------------------------

void hub::on_registered_locked(const std::string& id, peer_record& rec, bool resumed, effects& fx) {
  auto& c = *cluster_;
  if (rec.cluster == nullptr) {
    rec.cluster = std::make_unique<cluster_peer>();
    rec.cluster->epoch = 1;
    rec.cluster->gen = next_gen();
  }
  auto& cl = *rec.cluster;
  cl.token_hash = wire::token_hash(rec.resume_token);
  if (!resumed) {
    c.dir.claim({id, c.node(), 1, cl.token_hash, rec.identity, rec.room},
                [this, id](directory_status st) { on_claimed(id, 1, st); });
    // The client learns its ID once other replicas can find it (on_claimed).
    // Degraded, at once: the claim would only time out, and the peer works
    // on this replica meanwhile.
    if (c.up) {
      cl.confirming = true;
      cl.unconfirmed = std::move(fx.to_self);
      fx.to_self.clear();
    }
    return;
  }
  // A resume on this replica rotated the token. `conflict`: another replica
  // took the peer over meanwhile, and its hand-off request is on the way.
  c.dir.update_token(id, c.node(), cl.epoch, cl.token_hash, [this, id](directory_status st) {
    if (st != directory_status::unavailable) return;
    std::lock_guard lock(mutex_);
    if (cluster_ != nullptr) cluster_->unclaimed.insert(id);
  });
}

void hub::on_claimed(const std::string& id, std::uint64_t epoch, directory_status st) {
  effects fx;
  {
    std::lock_guard lock(mutex_);
    peer_record* rec = registry_->find(id);
    if (rec == nullptr || rec->cluster == nullptr || rec->cluster->epoch != epoch) return;
    if (st != directory_status::conflict && rec->cluster->confirming) {
      // The start reply is released now that other replicas can find the ID;
      // when the directory cannot be reached, at once anyway (degraded: the
      // peer works on this replica, and is registered once Redis is back).
      rec->cluster->confirming = false;
      auto held = std::exchange(rec->cluster->unconfirmed, {});
      if (auto conn = rec->conn.lock(); conn != nullptr && rec->attached) {
        flush_locked(id, *rec, conn, std::move(held), fx);
      }
    }
    if (st == directory_status::unavailable) {
      cluster_->unclaimed.insert(id);  // written back by the next tick or reconnect
    } else if (st == directory_status::conflict) {
      // Another replica holds this ID: 126 random bits make that all but
      // impossible, and two peers must never share one. The newcomer goes.
      if (auto conn = rec->conn.lock()) fx.to_close_with.emplace_back(std::move(conn), close_code::internal_error);
      remove_quietly_locked(id);
    }
  }
  perform(std::move(fx));
}

void hub::remove_quietly_locked(const std::string& id) {
  peer_record* rec = registry_->find(id);
  if (rec == nullptr) return;
  const bool awaiting = rec->cluster != nullptr && rec->cluster->awaiting_handoff;
  if (!rec->attached && !awaiting && detached_.erase({rec->detached_at, id}) != 0) events_.detached_peer_gone();
  pending_total_ -= rec->pending_bytes;
  addresses_.remove(rec->address);
  if (!rec->identity.empty()) {
    if (const auto found = identities_.find(rec->identity); found != identities_.end() && --found->second == 0) {
      identities_.erase(found);
    }
  }
  if (cluster_ != nullptr) {
    cluster_->held_peers.erase(id);
    cluster_->awaiting.erase(id);
    cluster_->deferring.erase(id);
    cluster_->unclaimed.erase(id);
  }
  remove_record_locked(id);
  events_.peer_count(registry_->size());
}

void hub::on_leave_cluster_locked(const std::string& id, peer_record& rec,
                                  const std::unordered_set<std::string>& contacts) {
  auto& c = *cluster_;
  auto& cl = *rec.cluster;
  const auto epoch = cl.epoch;
  c.dir.release(id, c.node(), epoch, [this, id, epoch](directory_status st) {
    if (st != directory_status::unavailable) return;
    std::lock_guard lock(mutex_);
    // Retried by the tick; bounded (past it the entry goes when this replica's peers are adopted).
    if (cluster_ != nullptr && cluster_->unreleased.size() < cluster_->cfg.max_cached_owners) {
      cluster_->unreleased.emplace(id, epoch);
    }
  });
  c.held_peers.erase(id);
  c.awaiting.erase(id);
  c.deferring.erase(id);
  c.unclaimed.erase(id);
  c.owners.erase(id);
  wire::envelope left;
  left.type = wire::kind::peer_left;
  left.from_node = c.node();
  left.from = id;
  if (cl.adopted) {
    // Its contacts were known only to the replica that died: every replica looks.
    left.flag = true;
    c.ev.dead_node_peer_left();
  } else {
    for (const auto& contact : contacts) {
      if (registry_->find(contact) != nullptr) continue;  // told here, by leave_locked
      left.body += contact;
      left.body += '\n';
    }
    if (left.body.empty()) return;
  }
  // Lost while the bus is down: those contacts learn from peer-not-found.
  (void)c.broadcast(left);
}

// --- relaying to another replica -----------------------------------------

void hub::relay_remote_locked(peer_record& sender, std::string_view from, protocol::action act,
                              std::string_view remote_id, std::string text, steady_clock::time_point received,
                              effects& fx) {
  (void)received;  // latency is measured on the replica that writes it
  auto& c = *cluster_;
  const std::string_view ref = protocol::to_string(act);
  if (!c.up) {
    events_.message_undelivered(undeliverable_reason::peer_not_found);
    fx.to_self.push_back(error_reply(error_code::unavailable,
                                     "the replicas cannot reach each other now and the target is not on this "
                                     "one; retry in a few seconds",
                                     ref));
    return;
  }
  if (const auto found = c.owners.find(std::string(remote_id)); found != c.owners.end()) {
    if (found->second.room != sender.room) {
      events_.message_undelivered(undeliverable_reason::peer_not_found);
      fx.to_self.push_back(error_reply(error_code::peer_not_found, "data.remoteId names no connected peer", ref));
      return;
    }
    const std::string node = found->second.node;
    send_relay_locked(sender, from, act, remote_id, node, std::move(text), fx);
    return;
  }
  if (c.waiting_count >= c.cfg.max_lookup_waiters) {
    fx.to_self.push_back(error_reply(error_code::unavailable,
                                     "too many messages are waiting for peers on other replicas; retry shortly", ref));
    return;
  }
  auto [slot, first] = c.lookups.try_emplace(std::string(remote_id));
  slot->second.push_back({std::string(from), act, std::move(text), sender.room});
  ++c.waiting_count;
  if (first) {
    c.dir.lookup(remote_id, [this, id = std::string(remote_id)](directory_status st, directory_entry e) {
      on_lookup(id, st, e);
    });
  }
}

void hub::send_relay_locked(peer_record& sender, std::string_view from, protocol::action act, std::string_view to,
                            const std::string& node, std::string text, effects& fx) {
  auto& c = *cluster_;
  auto& cl = *sender.cluster;
  if (cl.sent.size() >= max_sent_entries && cl.sent.find(std::string(to)) == cl.sent.end()) {
    cl.sent.clear();  // receivers see a new generation and start over at 1
    cl.gen = next_gen();
  }
  auto& seq = cl.sent[std::string(to)];
  wire::envelope e;
  e.type = wire::kind::relay;
  e.from_node = c.node();
  e.from = from;
  e.to = to;
  e.epoch = static_cast<std::uint64_t>(act);
  e.gen = cl.gen;
  e.seq = seq + 1;
  e.flag = act == protocol::action::hangup;
  e.body = std::move(text);
  if (!c.send(node, e)) {
    events_.message_undelivered(undeliverable_reason::peer_not_found);
    fx.to_self.push_back(error_reply(error_code::unavailable,
                                     "the message could not be passed to the target's replica now; retry shortly",
                                     protocol::to_string(act)));
    return;
  }
  ++seq;
  events_.message_relayed(act);
  if (act == protocol::action::hangup) {
    remove_contact(sender, to);
  } else {
    add_contact(sender, to);
  }
}

void hub::on_lookup(const std::string& id, directory_status st, const directory_entry& e) {
  effects fx;
  {
    std::lock_guard lock(mutex_);
    auto& c = *cluster_;
    auto node = c.lookups.extract(id);
    if (node.empty()) return;
    c.waiting_count -= node.mapped().size();
    const bool found = st == directory_status::ok && e.node != c.node();
    if (found) c.cache(id, {e.node, e.epoch, e.room});
    for (auto& w : node.mapped()) {
      peer_record* sender = registry_->find(w.from);
      if (sender == nullptr || sender->cluster == nullptr) continue;  // it left meanwhile
      const std::string_view ref = protocol::to_string(w.act);
      effects mine;
      if (found && w.room == e.room) {
        send_relay_locked(*sender, w.from, w.act, id, e.node, std::move(w.text), mine);
      } else if (st == directory_status::ok || st == directory_status::not_found) {
        // Not found, another room, or "ours" while not here (a take-over of it is in flight).
        events_.message_undelivered(undeliverable_reason::peer_not_found);
        mine.to_self.push_back(error_reply(error_code::peer_not_found, "data.remoteId names no connected peer", ref));
      } else {
        events_.message_undelivered(undeliverable_reason::peer_not_found);
        mine.to_self.push_back(error_reply(error_code::unavailable,
                                           "the peer directory cannot be reached now; retry in a few seconds", ref));
      }
      for (auto& msg : mine.to_self) (void)send_or_queue_locked(*sender, std::move(msg), fx);
    }
  }
  perform(std::move(fx));
}

void hub::tell_sender_locked(const std::string& node, std::string_view peer, std::string_view target,
                             protocol::action act, error_code code, std::string_view message) {
  auto& c = *cluster_;
  wire::envelope e;
  e.type = wire::kind::error;
  e.from_node = c.node();
  e.from = peer;
  e.to = target;
  e.epoch = static_cast<std::uint64_t>(act);
  e.seq = static_cast<std::uint64_t>(code);
  e.body = message;
  (void)c.send(node, e);
}

// --- receiving from the bus ------------------------------------------------

void hub::on_bus_message(std::string_view payload) {
  auto env = wire::decode(payload);
  effects fx;
  {
    std::lock_guard lock(mutex_);
    if (cluster_ == nullptr) return;
    auto& c = *cluster_;
    c.ev.received();
    if (!env) {
      c.ev.envelope_dropped(cluster_events::dropped::malformed);
      return;
    }
    switch (env->type) {
      case wire::kind::relay: {
        if (peer_record* rec = registry_->find(env->to); rec != nullptr && rec->cluster != nullptr) {
          const std::string id = env->to;
          accept_relay_locked(id, *rec, std::move(*env), fx);
          break;
        }
        if (auto r = c.resumes.find(env->to); r != c.resumes.end()) {
          if (r->second.early.size() < max_early) r->second.early.push_back(std::move(*env));
          break;
        }
        if (auto o = c.owners.find(env->to); o != c.owners.end() && o->second.node != c.node()) {
          // It moved on: pass it along (its sequence number keeps it in order
          // there) and tell the sender's replica where it went.
          if (c.bus.send(o->second.node, std::string(payload))) c.ev.published();
          wire::envelope moved;
          moved.type = wire::kind::moved;
          moved.from_node = c.node();
          moved.from = env->to;
          moved.to = o->second.node;
          moved.epoch = o->second.epoch;
          (void)c.send(env->from_node, moved);
          break;
        }
        events_.message_undelivered(undeliverable_reason::peer_not_found);
        const auto act = static_cast<protocol::action>(std::min<std::uint64_t>(env->epoch, 5));
        if (env->from_node == c.node()) {
          if (peer_record* sender = registry_->find(env->from)) {
            (void)send_or_queue_locked(*sender,
                                       error_reply(error_code::peer_not_found, "data.remoteId names no connected peer",
                                                   protocol::to_string(act)),
                                       fx);
          }
        } else {
          tell_sender_locked(env->from_node, env->from, env->to, act, error_code::peer_not_found,
                             "data.remoteId names no connected peer");
        }
        break;
      }
      case wire::kind::error: {
        if (env->seq > static_cast<std::uint64_t>(error_code::unavailable)) {
          c.ev.envelope_dropped(cluster_events::dropped::malformed);
          break;
        }
        const auto code = static_cast<error_code>(env->seq);
        if (code == error_code::peer_not_found) c.owners.erase(env->to);
        if (peer_record* sender = registry_->find(env->from)) {
          (void)send_or_queue_locked(*sender, error_reply(code, env->body, ref_of(env->epoch)), fx);
        }
        break;
      }
      case wire::kind::peer_left: {
        if (env->from_node == c.node() && !env->flag) break;  // our own: leave_locked told our contacts
        c.owners.erase(env->from);
        const outbound_ptr left = make_reply(protocol::peer_left(env->from));
        const auto tell = [&](peer_record& contact) {
          if (contact.contacts.find(env->from) == contact.contacts.end()) return;
          remove_contact(contact, env->from);
          (void)send_or_queue_locked(contact, left, fx);
        };
        if (env->flag) {
          registry_->for_each([&](const std::string&, peer_record& rec) { tell(rec); });
        } else {
          std::string_view rest = env->body;
          while (!rest.empty()) {
            const auto nl = rest.find('\n');
            const auto one = rest.substr(0, nl);
            rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
            if (peer_record* contact = registry_->find(one)) tell(*contact);
          }
        }
        break;
      }
      case wire::kind::moved: {
        if (env->from.empty()) {
          std::string_view rest = env->body;
          while (!rest.empty()) {
            const auto nl = rest.find('\n');
            c.owners.erase(std::string(rest.substr(0, nl)));
            rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
          }
        } else if (auto o = c.owners.find(env->from); o != c.owners.end() && o->second.epoch < env->epoch) {
          o->second.node = env->to;
          o->second.epoch = env->epoch;
        }
        break;
      }
      case wire::kind::handoff_request: hand_off_locked(env->from, env->to, env->epoch, fx); break;
      case wire::kind::handoff_data: {
        peer_record* rec = registry_->find(env->from);
        if (rec == nullptr || rec->cluster == nullptr || rec->cluster->epoch != env->epoch) {
          c.ev.envelope_dropped(cluster_events::dropped::stale);
          break;
        }
        auto& cl = *rec->cluster;
        auto state = wire::decode_handoff(env->body);
        if (!state) {
          c.ev.envelope_dropped(cluster_events::dropped::malformed);
          state.emplace();
        }
        const auto now = steady_clock::now();
        if (!cl.awaiting_handoff) {
          // Late (its time ran out): what it held is still delivered, after the rest.
          for (auto& m : state->pending) {
            (void)send_or_queue_locked(*rec, m.relayed ? make_relayed(std::move(m.text), now) : make_reply(std::move(m.text)),
                                       fx);
          }
          break;
        }
        std::vector<outbound_ptr> merged;
        merged.reserve(state->pending.size() + rec->pending.size());
        std::size_t bytes = 0;
        for (auto& m : state->pending) {
          bytes += m.text.size();
          merged.push_back(m.relayed ? make_relayed(std::move(m.text), now) : make_reply(std::move(m.text)));
        }
        for (auto& m : rec->pending) merged.push_back(std::move(m));
        rec->pending = std::move(merged);
        rec->pending_bytes += bytes;
        pending_total_ += bytes;
        for (const auto& in : state->inbound) cl.received[in.from] = {in.gen, in.next};
        if (state->gen != 0) {
          cl.gen = state->gen;
          cl.sent.clear();
          for (const auto& out : state->outbound) cl.sent[out.to] = out.seq;
        }
        for (auto& contact : state->contacts) rec->contacts.insert(std::move(contact));
        finish_handoff_locked(env->from, *rec, fx);
        break;
      }
    }
  }
  perform(std::move(fx));
}

// Bus messages to a local peer arrive in order per sender replica, but a
// sender's messages can take two paths while its target moves (to the old
// owner and passed on, or straight to the new one): each carries the
// sender's (generation, sequence number) so they are put back in order.
void hub::accept_relay_locked(const std::string& id, peer_record& rec, wire::envelope&& m, effects& fx) {
  const auto now = steady_clock::now();
  accept_held_locked(id, rec,
                     {m.from, m.from_node, static_cast<std::uint8_t>(std::min<std::uint64_t>(m.epoch, 5)), m.gen, m.seq,
                      m.flag, make_relayed(std::move(m.body), now), now},
                     fx);
}

void hub::accept_held_locked(const std::string& id, peer_record& rec, cluster_peer::held_message h, effects& fx) {
  auto& c = *cluster_;
  auto& cl = *rec.cluster;
  const auto now = h.since;
  if (!cl.awaiting_handoff) {
    auto [slot, fresh] = cl.received.try_emplace(h.from);
    auto& in = slot->second;
    if (fresh || h.gen > in.gen) {
      in.gen = h.gen;  // a new sender, or one whose counters were lost: from 1
      in.next = 1;
    }
    bool now_due = false;
    if (h.gen < in.gen) {
      // A straggler of an older generation: nothing to order it against.
      c.ev.envelope_dropped(cluster_events::dropped::stale);
      now_due = true;
    } else if (h.seq < in.next) {
      c.ev.envelope_dropped(cluster_events::dropped::duplicate);
      return;
    } else if (h.seq == in.next) {
      ++in.next;
      now_due = true;
    }
    if (now_due) {
      deliver_inbound_locked(id, rec, h, fx);
      if (!cl.held.empty()) release_held_locked(id, rec, now, false, fx);
      return;
    }
  }
  // An earlier one is still on its way (or the peer's state is).
  if (cl.held.size() >= c.cfg.max_held) release_held_locked(id, rec, now, true, fx);  // gaps given up, not grown
  cl.held.push_back(std::move(h));
  c.held_peers.insert(id);
}

bool hub::deliver_local_locked(peer_record& sender, std::string_view from, protocol::action act, std::string_view to,
                               peer_record& target, outbound_ptr msg, effects& fx) {
  if (cluster_ == nullptr || sender.cluster == nullptr || target.cluster == nullptr) {
    return send_or_queue_locked(target, std::move(msg), fx);
  }
  auto& cl = *sender.cluster;
  const auto seq = cl.sent.find(std::string(to));
  if (seq == cl.sent.end()) return send_or_queue_locked(target, std::move(msg), fx);
  // A full queue is answered like a bus message's (tell_sender_locked).
  accept_held_locked(std::string(to), target,
                     {std::string(from), cluster_->node(), static_cast<std::uint8_t>(act), cl.gen, ++seq->second,
                      act == protocol::action::hangup, std::move(msg), steady_clock::now()},
                     fx);
  return true;
}

void hub::deliver_waiting_locked(const std::string& id, peer_record& target, effects& fx) {
  auto& c = *cluster_;
  auto node = c.lookups.extract(id);
  if (node.empty()) return;
  c.waiting_count -= node.mapped().size();
  const auto now = steady_clock::now();
  for (auto& w : node.mapped()) {
    peer_record* sender = registry_->find(w.from);
    if (sender == nullptr || sender->cluster == nullptr) continue;  // it left meanwhile
    const std::string_view ref = protocol::to_string(w.act);
    if (w.room != target.room) {
      events_.message_undelivered(undeliverable_reason::peer_not_found);
      (void)send_or_queue_locked(
          *sender, error_reply(error_code::peer_not_found, "data.remoteId names no connected peer", ref), fx);
    } else if (!deliver_local_locked(*sender, w.from, w.act, id, target, make_relayed(std::move(w.text), now), fx)) {
      events_.message_undelivered(undeliverable_reason::queue_full);
      (void)send_or_queue_locked(*sender,
                                 error_reply(error_code::queue_full,
                                             "the target peer is reconnecting and its message queue is full", ref),
                                 fx);
    } else {
      events_.message_relayed(w.act);
      if (w.act == protocol::action::hangup) {
        remove_contact(*sender, id);
        remove_contact(target, w.from);
      } else {
        add_contact(*sender, id);
        add_contact(target, w.from);
      }
    }
  }
}

void hub::deliver_inbound_locked(const std::string& id, peer_record& rec, const cluster_peer::held_message& h,
                                 effects& fx) {
  if (!send_or_queue_locked(rec, h.msg, fx)) {
    events_.message_undelivered(undeliverable_reason::queue_full);
    tell_sender_locked(h.node, h.from, id, static_cast<protocol::action>(h.act), error_code::queue_full,
                       "the target peer is reconnecting and its message queue is full");
  } else if (h.hangup) {
    remove_contact(rec, h.from);
  } else {
    add_contact(rec, h.from);
  }
}

void hub::release_held_locked(const std::string& id, peer_record& rec, steady_clock::time_point now, bool all,
                              effects& fx) {
  auto& c = *cluster_;
  auto& cl = *rec.cluster;
  if (cl.awaiting_handoff) return;
  std::sort(cl.held.begin(), cl.held.end(), [](const auto& a, const auto& b) {
    return std::tie(a.from, a.gen, a.seq) < std::tie(b.from, b.gen, b.seq);
  });
  std::vector<cluster_peer::held_message> keep;
  const auto due = [&](const cluster_peer::held_message& h) { return all || now - h.since >= c.cfg.handoff_timeout; };
  for (std::size_t i = 0; i < cl.held.size(); ++i) {
    auto& h = cl.held[i];
    auto [slot, fresh] = cl.received.try_emplace(h.from);
    auto& in = slot->second;
    if (fresh || h.gen > in.gen) {
      if (!fresh && !due(h)) {  // the older generation may still have messages coming
        keep.push_back(std::move(h));
        continue;
      }
      in.gen = h.gen;
      in.next = 1;
    }
    if (h.gen < in.gen || h.seq < in.next) {
      c.ev.envelope_dropped(cluster_events::dropped::duplicate);
      continue;
    }
    if (h.seq > in.next) {
      if (!due(h)) {
        keep.push_back(std::move(h));
        continue;
      }
      c.ev.envelope_dropped(cluster_events::dropped::gap);  // the missing ones are given up
    }
    in.next = h.seq + 1;
    deliver_inbound_locked(id, rec, h, fx);
  }
  cl.held = std::move(keep);
  if (cl.held.empty()) c.held_peers.erase(id);
}

// --- resume on another replica ---------------------------------------------

void hub::resume_remote_locked(const std::shared_ptr<participant>& self, const protocol::resume_request& r,
                               std::string_view address, start_result& out) {
  auto& c = *cluster_;
  if (!c.up) {
    out.fx.to_self.push_back(error_reply(error_code::unavailable,
                                         "this peer was on another replica, which cannot be reached now; retry "
                                         "the resume in a few seconds",
                                         "start"));
    return;
  }
  if (c.resumes.find(r.id) != c.resumes.end()) {
    out.fx.to_self.push_back(
        error_reply(error_code::resume_failed, "a resume of this peer is already in progress", "start"));
    return;
  }
  auto& rs = c.resumes[r.id];
  rs.conn = self;
  rs.address = address;
  rs.token = sources_.new_token();
  c.dir.take_over(r.id, c.node(), wire::token_hash(r.token), wire::token_hash(rs.token),
                  [this, id = r.id](directory_status st, directory_entry e, std::string previous) {
                    on_take_over(id, st, e, previous);
                  });
  out.pending = true;
}

void hub::on_take_over(const std::string& id, directory_status st, const directory_entry& e,
                       const std::string& previous) {
  effects fx;
  {
    std::lock_guard lock(mutex_);
    auto& c = *cluster_;
    auto node = c.resumes.extract(id);
    if (node.empty()) return;
    auto& rs = node.mapped();
    const auto fail = [&](error_code code, std::string_view message) {
      if (rs.conn) fx.deliveries.push_back({rs.conn, error_reply(code, message, "start")});
    };
    if (st == directory_status::not_found) {
      events_.resume_attempted(resume_result::unknown_peer);
      fail(error_code::resume_failed, "unknown peer id: it left or its resume grace ran out");
    } else if (st == directory_status::bad_token) {
      events_.resume_attempted(resume_result::bad_token);
      fail(error_code::resume_failed, "resume token does not match");
    } else if (st != directory_status::ok) {
      fail(error_code::unavailable, "the peer directory cannot be reached now; retry the resume in a few seconds");
    } else if (registry_->find(id) != nullptr) {
      fail(error_code::resume_failed, "a resume of this peer is already in progress");
    } else {
      const auto now = steady_clock::now();
      peer_record& rec = registry_->add(id);
      rec.address = rs.address;
      addresses_.add(rec.address, now);
      rec.identity = e.identity;
      rec.room = e.room;
      if (!rec.identity.empty()) ++identities_[rec.identity];
      rec.resume_token = rs.token;
      rec.cluster = std::make_unique<cluster_peer>();
      auto& cl = *rec.cluster;
      cl.epoch = e.epoch;
      cl.token_hash = e.token_hash;
      cl.gen = next_gen();
      cl.incoming = std::move(rs.conn);
      c.owners.erase(id);
      if (!previous.empty() && previous != c.node()) {
        wire::envelope req;
        req.type = wire::kind::handoff_request;
        req.from_node = c.node();
        req.from = id;
        req.to = c.node();
        req.epoch = e.epoch;
        if (c.send(previous, req)) {
          cl.awaiting_handoff = true;
          cl.handoff_deadline = now + c.cfg.handoff_timeout;
          c.awaiting.insert(id);
        }
      }
      // Everyone's cached owner moves here now: messages already on their way
      // to the old owner are passed on, and put back in order here.
      wire::envelope moved;
      moved.type = wire::kind::moved;
      moved.from_node = c.node();
      moved.from = id;
      moved.to = c.node();
      moved.epoch = e.epoch;
      (void)c.broadcast(moved);
      for (auto& early : rs.early) accept_relay_locked(id, rec, std::move(early), fx);
      // Relays from here that waited to learn where it was go first: before any later one.
      deliver_waiting_locked(id, rec, fx);
      if (!cl.awaiting_handoff) finish_handoff_locked(id, rec, fx);
      events_.peer_count(registry_->size());
    }
  }
  perform(std::move(fx));
}

void hub::finish_handoff_locked(const std::string& id, peer_record& rec, effects& fx) {
  auto& c = *cluster_;
  auto& cl = *rec.cluster;
  const bool was_awaiting = cl.awaiting_handoff;
  cl.awaiting_handoff = false;
  c.awaiting.erase(id);
  const auto now = steady_clock::now();
  if (cl.incoming) {
    auto conn = std::move(cl.incoming);
    rec.conn = conn;
    rec.conn_key = conn.get();
    rec.attached = true;
    fx.started.emplace_back(conn, id);
    std::vector<outbound_ptr> msgs{
        make_reply(protocol::start_reply(id, sources_.ice_servers(id), sources_.ttl(), rec.resume_token, true))};
    events_.credentials_minted();
    for (auto& msg : take_pending_locked(rec)) msgs.push_back(std::move(msg));
    flush_locked(id, rec, conn, std::move(msgs), fx);
    events_.resume_attempted(resume_result::ok);
  } else {
    // Its connection closed while the state was on the way: kept for resume_grace like any.
    rec.attached = false;
    rec.detached_at = now;
    detached_.emplace(now, id);
    events_.peer_detached();
  }
  if (was_awaiting) c.ev.handoff_done(cluster_events::handoff::resume_in);
  if (!cl.held.empty()) release_held_locked(id, rec, now, false, fx);
}

void hub::hand_off_locked(const std::string& id, const std::string& to_node, std::uint64_t epoch, effects& fx) {
  auto& c = *cluster_;
  peer_record* rec = registry_->find(id);
  if (rec != nullptr && rec->cluster != nullptr && rec->cluster->epoch >= epoch) {
    c.ev.envelope_dropped(cluster_events::dropped::stale);  // we took it back since
    return;
  }
  if (rec != nullptr && rec->cluster != nullptr && rec->closing_conn != nullptr) {
    // A drain closed its connection, which still reads what the client sent
    // before it saw the close: relayed with this replica's sequence numbers,
    // those messages go before the state does (closed_locked).
    rec->cluster->deferred_handoff.emplace(to_node, epoch);
    rec->cluster->deferred_at = steady_clock::now();
    c.deferring.insert(id);
    return;
  }
  c.cache(id, {to_node, epoch, rec != nullptr ? rec->room : std::nullopt});
  wire::envelope data;
  data.type = wire::kind::handoff_data;
  data.from_node = c.node();
  data.from = id;
  data.to = to_node;
  data.epoch = epoch;
  wire::handoff_state st;
  if (rec != nullptr && rec->cluster != nullptr) {
    auto& cl = *rec->cluster;
    for (const auto& m : rec->pending) st.pending.push_back({m->text, m->relayed});
    // Early arrivals go after the rest, their gaps given up.
    std::sort(cl.held.begin(), cl.held.end(), [](const auto& a, const auto& b) {
      return std::tie(a.from, a.gen, a.seq) < std::tie(b.from, b.gen, b.seq);
    });
    for (const auto& h : cl.held) st.pending.push_back({h.msg->text, true});
    for (const auto& [from, in] : cl.received) st.inbound.push_back({from, in.gen, in.next});
    st.gen = cl.gen;
    for (const auto& [to, seq] : cl.sent) st.outbound.push_back({to, seq});
    st.contacts.assign(rec->contacts.begin(), rec->contacts.end());
    st.address = rec->address;
    if (rec->attached) {
      if (auto conn = rec->conn.lock()) fx.to_close.push_back(std::move(conn));
    }
    if (cl.incoming) fx.to_close.push_back(std::move(cl.incoming));
    remove_quietly_locked(id);
    c.ev.handoff_done(cluster_events::handoff::resume_out);
  }
  data.body = wire::encode_handoff(st);
  (void)c.send(to_node, data);
}

bool hub::disconnect_pending_locked(std::string_view id, peer_record* rec, const participant* conn) {
  auto& c = *cluster_;
  if (rec == nullptr) {
    const auto r = c.resumes.find(std::string(id));
    if (r == c.resumes.end() || r->second.conn.get() != conn) return false;
    r->second.conn.reset();
    return true;
  }
  if (rec->cluster == nullptr || !rec->cluster->awaiting_handoff || rec->cluster->incoming.get() != conn) return false;
  rec->cluster->incoming.reset();
  return true;
}

void hub::closed_locked(const std::string& id, peer_record& rec, effects& fx) {
  if (rec.cluster == nullptr || !rec.cluster->deferred_handoff) return;
  const auto [to_node, epoch] = *std::exchange(rec.cluster->deferred_handoff, std::nullopt);
  cluster_->deferring.erase(id);
  rec.closing_conn = nullptr;  // from here on, anything it still reads is too late
  hand_off_locked(id, to_node, epoch, fx);
}

// A message to a replica that nobody listens for any more (it died, and its
// peers are not yet adopted or resumed): the sender hears it at once.
void hub::on_bus_unreceived(std::string_view node, std::string_view payload) {
  auto env = wire::decode(payload);
  if (!env) return;
  effects fx;
  {
    std::lock_guard lock(mutex_);
    auto& c = *cluster_;
    if (env->type == wire::kind::relay) {
      if (auto o = c.owners.find(env->to); o != c.owners.end() && o->second.node == node) c.owners.erase(o);
      if (peer_record* sender = registry_->find(env->from)) {
        const auto act = static_cast<protocol::action>(std::min<std::uint64_t>(env->epoch, 5));
        events_.message_undelivered(undeliverable_reason::peer_not_found);
        (void)send_or_queue_locked(*sender,
                                   error_reply(error_code::unavailable,
                                               "the target's replica stopped answering; the peer may be "
                                               "reconnecting: retry in a few seconds",
                                               protocol::to_string(act)),
                                   fx);
      }
    } else if (env->type == wire::kind::handoff_request) {
      // The previous owner is gone: nothing to wait for.
      peer_record* rec = registry_->find(env->from);
      if (rec != nullptr && rec->cluster != nullptr && rec->cluster->awaiting_handoff &&
          rec->cluster->epoch == env->epoch) {
        rec->cluster->gen = next_gen();
        rec->cluster->sent.clear();
        c.ev.handoff_done(cluster_events::handoff::timed_out);
        finish_handoff_locked(env->from, *rec, fx);
      }
    }
  }
  perform(std::move(fx));
}

// --- liveness, dead replicas, outages ----------------------------------------

void hub::cluster_tick(steady_clock::time_point now) {
  effects fx;
  {
    std::lock_guard lock(mutex_);
    if (cluster_ == nullptr) return;
    auto& c = *cluster_;
    // From a local timer, whatever Redis answers: a slow round trip must not
    // delay the next refresh.
    c.dir.heartbeat(c.node(), c.cfg.node_ttl, [](directory_status) {});
    for (const auto& id : std::vector<std::string>(c.awaiting.begin(), c.awaiting.end())) {
      peer_record* rec = registry_->find(id);
      if (rec == nullptr || rec->cluster == nullptr || !rec->cluster->awaiting_handoff) {
        c.awaiting.erase(id);
        continue;
      }
      if (now < rec->cluster->handoff_deadline) continue;
      // The previous owner did not answer (it died): start over without its state.
      rec->cluster->gen = next_gen();
      rec->cluster->sent.clear();
      c.ev.handoff_done(cluster_events::handoff::timed_out);
      finish_handoff_locked(id, *rec, fx);
    }
    // A drained client that does not answer its close (its connection is
    // dead, or it moved on regardless) does not hold its hand-off until the
    // new owner gives up waiting: a quarter of that time at most.
    for (const auto& id : std::vector<std::string>(c.deferring.begin(), c.deferring.end())) {
      peer_record* rec = registry_->find(id);
      if (rec == nullptr || rec->cluster == nullptr || !rec->cluster->deferred_handoff) {
        c.deferring.erase(id);
      } else if (now - rec->cluster->deferred_at >= c.cfg.handoff_timeout / 4) {
        c.ev.handoff_done(cluster_events::handoff::close_timed_out);
        closed_locked(id, *rec, fx);
      }
    }
    for (const auto& id : std::vector<std::string>(c.held_peers.begin(), c.held_peers.end())) {
      peer_record* rec = registry_->find(id);
      if (rec == nullptr || rec->cluster == nullptr) {
        c.held_peers.erase(id);
        continue;
      }
      release_held_locked(id, *rec, now, false, fx);
    }
    if (c.up) {
      for (const auto& [id, epoch] : std::exchange(c.unreleased, {})) {
        if (registry_->find(id) != nullptr) continue;  // back here since
        c.dir.release(id, c.node(), epoch, [this, id = id, epoch = epoch](directory_status st) {
          if (st != directory_status::unavailable) return;
          std::lock_guard relock(mutex_);
          if (cluster_ != nullptr) cluster_->unreleased.emplace(id, epoch);
        });
      }
      for (const auto& id : std::exchange(c.unclaimed, {})) {
        peer_record* rec = registry_->find(id);
        if (rec == nullptr || rec->cluster == nullptr) continue;
        const auto epoch = rec->cluster->epoch;
        c.dir.reassert({id, c.node(), epoch, rec->cluster->token_hash, rec->identity, rec->room},
                       [this, id, epoch](directory_status st) { on_claimed(id, epoch, st); });
      }
    }
    // Only after a whole TTL connected: until then another replica may not
    // have had the chance to refresh its liveness (after an outage, say).
    if (c.up && !c.nodes_in_flight && now - c.up_since >= c.cfg.node_ttl + c.cfg.heartbeat_interval) {
      c.nodes_in_flight = true;
      c.dir.nodes([this](directory_status st, std::vector<node_state> nodes) {
        std::lock_guard relock(mutex_);
        auto& cs = *cluster_;
        cs.nodes_in_flight = false;
        if (st != directory_status::ok) return;
        for (const auto& n : nodes) {
          if (n.alive || n.node == cs.node() || !cs.adopting.insert(n.node).second) continue;
          cs.dir.adopt(n.node, cs.node(), [this, dead = n.node](directory_status s, std::vector<directory_entry> e) {
            on_adopted(dead, s, std::move(e));
          });
        }
      });
    }
  }
  perform(std::move(fx));
}

void hub::on_adopted(const std::string& dead, directory_status st, std::vector<directory_entry> entries) {
  std::lock_guard lock(mutex_);
  auto& c = *cluster_;
  c.adopting.erase(dead);
  if (st != directory_status::ok) return;
  // The dead replica's peers count as detached from now: they may resume on
  // any replica within resume_grace; the rest leave here, told to everyone.
  const auto now = steady_clock::now();
  wire::envelope forget;
  forget.type = wire::kind::moved;
  forget.from_node = c.node();
  for (auto& e : entries) {
    if (registry_->find(e.id) != nullptr) continue;
    peer_record& rec = registry_->add(e.id);
    addresses_.add(rec.address, now);
    rec.identity = e.identity;
    rec.room = e.room;
    if (!rec.identity.empty()) ++identities_[rec.identity];
    rec.cluster = std::make_unique<cluster_peer>();
    rec.cluster->epoch = e.epoch;
    rec.cluster->token_hash = e.token_hash;
    rec.cluster->gen = next_gen();
    rec.cluster->adopted = true;
    rec.detached_at = now;
    detached_.emplace(now, e.id);
    events_.peer_detached();
    c.owners.erase(e.id);
    forget.body += e.id;
    forget.body += '\n';
  }
  c.ev.dead_node_adopted(entries.size());
  events_.peer_count(registry_->size());
  if (!forget.body.empty()) (void)c.broadcast(forget);
}

void hub::on_bus_state(bool up) {
  effects fx;
  {
    std::lock_guard lock(mutex_);
    auto& c = *cluster_;
    if (up == c.up) return;
    c.up = up;
    c.ev.degraded(!up);
    if (!up) {
      // Relays waiting for a lookup would wait for nothing: answered now.
      for (auto& [target, list] : c.lookups) {
        for (auto& w : list) {
          if (peer_record* sender = registry_->find(w.from)) {
            events_.message_undelivered(undeliverable_reason::peer_not_found);
            (void)send_or_queue_locked(*sender,
                                       error_reply(error_code::unavailable,
                                                   "the replicas cannot reach each other now; retry in a few seconds",
                                                   protocol::to_string(w.act)),
                                       fx);
          }
        }
      }
      c.lookups.clear();
      c.waiting_count = 0;
    } else {
      // Back: what Redis lost (or never got while it was away) is written
      // again, and cached owners may be stale.
      c.up_since = steady_clock::now();
      c.owners.clear();
      std::size_t peers = 0;
      registry_->for_each([&](const std::string& id, peer_record& rec) {
        if (rec.cluster == nullptr || rec.cluster->awaiting_handoff) return;
        ++peers;
        const auto epoch = rec.cluster->epoch;
        c.dir.reassert({id, c.node(), epoch, rec.cluster->token_hash, rec.identity, rec.room},
                       [this, id, epoch](directory_status st) { on_reasserted(id, epoch, st); });
      });
      c.unclaimed.clear();
      c.ev.reasserted(peers, 0);
    }
  }
  perform(std::move(fx));
}

void hub::on_reasserted(const std::string& id, std::uint64_t epoch, directory_status st) {
  if (st == directory_status::unavailable) {
    std::lock_guard lock(mutex_);
    if (cluster_ != nullptr) cluster_->unclaimed.insert(id);
    return;
  }
  if (st != directory_status::conflict) return;
  effects fx;
  {
    // Another replica owns it now (it took our peers for dead while we were
    // cut off): this connection goes, and the client resumes over there.
    std::lock_guard lock(mutex_);
    peer_record* rec = registry_->find(id);
    if (rec == nullptr || rec->cluster == nullptr || rec->cluster->epoch != epoch) return;
    if (auto conn = rec->conn.lock()) fx.to_close_with.emplace_back(std::move(conn), close_code::going_away);
    cluster_->ev.reasserted(0, 1);
    remove_quietly_locked(id);
  }
  perform(std::move(fx));
}

}  // namespace switchboard::core
