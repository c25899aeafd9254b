#include "signaling/core/memory_cluster_state.hpp"

namespace switchboard::core {

directory_entry* directory_store::find(std::string_view id) {
  auto it = peers_.find(std::string(id));
  return it == peers_.end() ? nullptr : &it->second;
}

bool directory_store::owned_by(const directory_entry& e, std::string_view node, std::uint64_t epoch) const {
  return e.node == node && e.epoch == epoch;
}

bool directory_store::alive(const std::string& node, time_point now) const {
  auto it = alive_until_.find(node);
  return it != alive_until_.end() && it->second > now;
}

void directory_store::place(directory_entry e) {
  node_peers_[e.node].insert(e.id);
  auto id = e.id;
  peers_.insert_or_assign(std::move(id), std::move(e));
}

void directory_store::unfile(const std::string& id, const std::string& node) {
  auto it = node_peers_.find(node);
  if (it == node_peers_.end()) return;
  it->second.erase(id);
  if (it->second.empty()) node_peers_.erase(it);
}

directory_status directory_store::claim(const directory_entry& e) {
  if (find(e.id)) return directory_status::conflict;
  directory_entry fresh = e;
  fresh.epoch = 1;
  place(std::move(fresh));
  return directory_status::ok;
}

directory_status directory_store::lookup(std::string_view id, directory_entry& out) const {
  auto it = peers_.find(std::string(id));
  if (it == peers_.end()) return directory_status::not_found;
  out = it->second;
  return directory_status::ok;
}

directory_status directory_store::take_over(std::string_view id, std::string_view node, std::string_view token_hash,
                                            std::string_view new_token_hash, directory_entry& out,
                                            std::string& previous) {
  auto* e = find(id);
  if (!e) return directory_status::not_found;
  if (e->token_hash != token_hash) return directory_status::bad_token;
  previous = e->node;
  unfile(e->id, e->node);
  directory_entry moved = *e;
  moved.node = node;
  moved.epoch += 1;
  moved.token_hash = new_token_hash;
  out = moved;
  place(std::move(moved));
  return directory_status::ok;
}

directory_status directory_store::update_token(std::string_view id, std::string_view node, std::uint64_t epoch,
                                               std::string_view new_token_hash) {
  auto* e = find(id);
  if (!e) return directory_status::not_found;
  if (!owned_by(*e, node, epoch)) return directory_status::conflict;
  e->token_hash = new_token_hash;
  return directory_status::ok;
}

directory_status directory_store::release(std::string_view id, std::string_view node, std::uint64_t epoch) {
  auto* e = find(id);
  if (!e) return directory_status::not_found;
  if (!owned_by(*e, node, epoch)) return directory_status::conflict;
  unfile(e->id, e->node);
  peers_.erase(e->id);
  return directory_status::ok;
}

directory_status directory_store::reassert(const directory_entry& e) {
  if (auto* current = find(e.id); current && !owned_by(*current, e.node, e.epoch)) return directory_status::conflict;
  place(e);
  return directory_status::ok;
}

void directory_store::heartbeat(std::string_view node, time_point until) {
  std::string name(node);
  alive_until_[name] = until;
  nodes_.insert(std::move(name));
}

std::vector<node_state> directory_store::nodes(time_point now) const {
  std::vector<node_state> out;
  out.reserve(nodes_.size());
  for (const auto& n : nodes_) out.push_back(node_state{n, alive(n, now)});
  return out;
}

directory_status directory_store::adopt(std::string_view dead, std::string_view by, time_point now,
                                        std::vector<directory_entry>& moved) {
  std::string name(dead);
  if (alive(name, now) || !nodes_.count(name)) return directory_status::conflict;
  std::set<std::string> ids;
  if (auto it = node_peers_.find(name); it != node_peers_.end()) ids = std::move(it->second);
  node_peers_.erase(name);
  for (const auto& id : ids) {
    auto* e = find(id);
    if (!e || e->node != name) continue;  // moved or gone since it was filed there
    directory_entry next = *e;
    next.node = by;
    next.epoch += 1;
    moved.push_back(next);
    place(std::move(next));
  }
  nodes_.erase(name);
  alive_until_.erase(name);
  return directory_status::ok;
}

void directory_store::remove_node(std::string_view node) {
  std::string name(node);
  alive_until_.erase(name);
  nodes_.erase(name);
}

}  // namespace switchboard::core
