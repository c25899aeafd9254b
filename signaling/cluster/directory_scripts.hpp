#pragma once
// The Redis layout of the peer directory and the Lua scripts that change it,
// each run atomically (EVALSHA), and the decoding of their replies. Pure: no
// connection here (redis_directory sends them).
//
// Keys, with prefix P (default "switchboard:"):
//   P peer:<id>          HASH {node, epoch, token, identity, room (absent: no room)}
//   P node:<node>:peers  SET of the ids filed under a node
//   P node:<node>:alive  string with a PX ttl (the heartbeat)
//   P nodes              SET of node names
// Scripts reach the per-node keys of an owner they only learn inside
// (take_over, adopt, nodes) by name: a single Redis (or a primary with
// replicas), not Redis Cluster.

#include "signaling/cluster/redis_reply.hpp"
#include "signaling/cluster/redis_script.hpp"
#include "signaling/core/cluster.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace switchboard::cluster::directory {

std::string peer_key(std::string_view prefix, std::string_view id);
std::string peers_key(std::string_view prefix, std::string_view node);
std::string alive_key(std::string_view prefix, std::string_view node);
std::string nodes_key(std::string_view prefix);

// Each script's KEYS and ARGV are documented at its definition.
const redis_script& claim_script();
const redis_script& take_over_script();
const redis_script& update_token_script();
const redis_script& release_script();
const redis_script& reassert_script();
const redis_script& heartbeat_script();
const redis_script& nodes_script();
const redis_script& adopt_script();
const redis_script& remove_node_script();

// The ARGV tail that writes an entry: node, epoch, token, identity, has_room, room.
redis_argv entry_args(const core::directory_entry& e, std::uint64_t epoch);

// Scripts answer 0 ok, 1 not_found, 2 conflict, 3 bad_token; anything else
// (an error reply, a wrong type) is unavailable.
core::directory_status status_of(const redis_reply& r);
// A HGETALL of P peer:<id>; false when empty or malformed.
bool decode_entry(std::string id, const redis_reply& hash, core::directory_entry& out);
// take_over: {0, previous, HGETALL} or {code}.
core::directory_status decode_take_over(std::string id, const redis_reply& r, core::directory_entry& out,
                                        std::string& previous);
// adopt: {0, id, HGETALL, id, HGETALL, ...} or {code}.
core::directory_status decode_adopt(const redis_reply& r, std::vector<core::directory_entry>& moved);
// nodes: {name, alive (0/1), ...}, returned sorted by name.
core::directory_status decode_nodes(const redis_reply& r, std::vector<core::node_state>& out);

}  // namespace switchboard::cluster::directory
