#include "signaling/cluster/directory_scripts.hpp"

#include <algorithm>
#include <charconv>

namespace switchboard::cluster::directory {
namespace {

using core::directory_status;

// Writes the entry whose fields start at ARGV[a] (node, epoch, token,
// identity, has_room, room) into the hash `key`; a missing room is no field.
constexpr const char* write_entry = R"lua(
local function write_entry(key, a)
  redis.call('HSET', key, 'node', ARGV[a], 'epoch', ARGV[a + 1], 'token', ARGV[a + 2], 'identity', ARGV[a + 3])
  if ARGV[a + 4] == '1' then
    redis.call('HSET', key, 'room', ARGV[a + 5])
  else
    redis.call('HDEL', key, 'room')
  end
end
)lua";

bool parse_u64(const std::string& s, std::uint64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool is_array(const redis_reply& r) { return r.type == redis_reply::kind::array; }

}  // namespace

std::string peer_key(std::string_view prefix, std::string_view id) {
  return std::string(prefix).append("peer:").append(id);
}
std::string peers_key(std::string_view prefix, std::string_view node) {
  return std::string(prefix).append("node:").append(node).append(":peers");
}
std::string alive_key(std::string_view prefix, std::string_view node) {
  return std::string(prefix).append("node:").append(node).append(":alive");
}
std::string nodes_key(std::string_view prefix) { return std::string(prefix).append("nodes"); }

// KEYS: peer, peers(node). ARGV: id, entry.
const redis_script& claim_script() {
  static const redis_script s(std::string(write_entry) + R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 2 end
write_entry(KEYS[1], 2)
redis.call('SADD', KEYS[2], ARGV[1])
return 0
)lua");
  return s;
}

// KEYS: peer. ARGV: prefix, id, node, token_hash, new_token_hash.
const redis_script& take_over_script() {
  static const redis_script s(R"lua(
local h = redis.call('HMGET', KEYS[1], 'node', 'epoch', 'token')
if not h[1] then return {1} end
if h[3] ~= ARGV[4] then return {3} end
redis.call('SREM', ARGV[1] .. 'node:' .. h[1] .. ':peers', ARGV[2])
redis.call('HSET', KEYS[1], 'node', ARGV[3], 'epoch', tonumber(h[2]) + 1, 'token', ARGV[5])
redis.call('SADD', ARGV[1] .. 'node:' .. ARGV[3] .. ':peers', ARGV[2])
return {0, h[1], redis.call('HGETALL', KEYS[1])}
)lua");
  return s;
}

// KEYS: peer. ARGV: node, epoch, new_token_hash.
const redis_script& update_token_script() {
  static const redis_script s(R"lua(
local h = redis.call('HMGET', KEYS[1], 'node', 'epoch')
if not h[1] then return 1 end
if h[1] ~= ARGV[1] or tonumber(h[2]) ~= tonumber(ARGV[2]) then return 2 end
redis.call('HSET', KEYS[1], 'token', ARGV[3])
return 0
)lua");
  return s;
}

// KEYS: peer, peers(node). ARGV: id, node, epoch.
const redis_script& release_script() {
  static const redis_script s(R"lua(
local h = redis.call('HMGET', KEYS[1], 'node', 'epoch')
if not h[1] then return 1 end
if h[1] ~= ARGV[2] or tonumber(h[2]) ~= tonumber(ARGV[3]) then return 2 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 0
)lua");
  return s;
}

// KEYS: peer, peers(node). ARGV: id, entry.
const redis_script& reassert_script() {
  static const redis_script s(std::string(write_entry) + R"lua(
local h = redis.call('HMGET', KEYS[1], 'node', 'epoch')
if h[1] and (h[1] ~= ARGV[2] or tonumber(h[2]) ~= tonumber(ARGV[3])) then return 2 end
write_entry(KEYS[1], 2)
redis.call('SADD', KEYS[2], ARGV[1])
return 0
)lua");
  return s;
}

// KEYS: alive(node), nodes. ARGV: node, ttl in ms.
const redis_script& heartbeat_script() {
  static const redis_script s(R"lua(
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return 0
)lua");
  return s;
}

// KEYS: nodes. ARGV: prefix.
const redis_script& nodes_script() {
  static const redis_script s(R"lua(
local out = {}
for _, n in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  out[#out + 1] = n
  out[#out + 1] = redis.call('EXISTS', ARGV[1] .. 'node:' .. n .. ':alive')
end
return out
)lua");
  return s;
}

// KEYS: alive(dead), nodes, peers(dead), peers(by). ARGV: prefix, dead, by.
// Only ids still owned by `dead` move: one taken over since was filed under
// its new owner already.
const redis_script& adopt_script() {
  static const redis_script s(R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then return {2} end
local out = {0}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local key = ARGV[1] .. 'peer:' .. id
  local h = redis.call('HMGET', key, 'node', 'epoch')
  if h[1] == ARGV[2] then
    redis.call('HSET', key, 'node', ARGV[3], 'epoch', tonumber(h[2]) + 1)
    redis.call('SADD', KEYS[4], id)
    out[#out + 1] = id
    out[#out + 1] = redis.call('HGETALL', key)
  end
end
redis.call('DEL', KEYS[3])
redis.call('SREM', KEYS[2], ARGV[2])
return out
)lua");
  return s;
}

// KEYS: alive(node), nodes. ARGV: node.
const redis_script& remove_node_script() {
  static const redis_script s(R"lua(
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 0
)lua");
  return s;
}

redis_argv entry_args(const core::directory_entry& e, std::uint64_t epoch) {
  return {e.node, std::to_string(epoch), e.token_hash, e.identity, e.room ? "1" : "0", e.room.value_or("")};
}

directory_status status_of(const redis_reply& r) {
  if (r.type != redis_reply::kind::integer || r.integer < 0 || r.integer > 3) return directory_status::unavailable;
  static constexpr directory_status by_code[] = {directory_status::ok, directory_status::not_found,
                                                 directory_status::conflict, directory_status::bad_token};
  return by_code[r.integer];
}

bool decode_entry(std::string id, const redis_reply& hash, core::directory_entry& out) {
  if (!is_array(hash) || hash.elements.empty() || hash.elements.size() % 2 != 0) return false;
  core::directory_entry e;
  e.id = std::move(id);
  bool has_node = false, has_epoch = false;
  for (std::size_t i = 0; i < hash.elements.size(); i += 2) {
    const auto& field = hash.elements[i].text;
    const auto& value = hash.elements[i + 1].text;
    if (field == "node") {
      e.node = value;
      has_node = true;
    } else if (field == "epoch") {
      has_epoch = parse_u64(value, e.epoch);
    } else if (field == "token") {
      e.token_hash = value;
    } else if (field == "identity") {
      e.identity = value;
    } else if (field == "room") {
      e.room = value;
    }
  }
  if (!has_node || !has_epoch) return false;
  out = std::move(e);
  return true;
}

directory_status decode_take_over(std::string id, const redis_reply& r, core::directory_entry& out,
                                  std::string& previous) {
  if (!is_array(r) || r.elements.empty()) return directory_status::unavailable;
  const auto status = status_of(r.elements[0]);
  if (status != directory_status::ok) return status;
  if (r.elements.size() != 3 || !decode_entry(std::move(id), r.elements[2], out)) return directory_status::unavailable;
  previous = r.elements[1].text;
  return status;
}

directory_status decode_adopt(const redis_reply& r, std::vector<core::directory_entry>& moved) {
  if (!is_array(r) || r.elements.empty()) return directory_status::unavailable;
  const auto status = status_of(r.elements[0]);
  if (status != directory_status::ok) return status;
  if (r.elements.size() % 2 != 1) return directory_status::unavailable;
  for (std::size_t i = 1; i < r.elements.size(); i += 2) {
    core::directory_entry e;
    if (!decode_entry(r.elements[i].text, r.elements[i + 1], e)) return directory_status::unavailable;
    moved.push_back(std::move(e));
  }
  return status;
}

directory_status decode_nodes(const redis_reply& r, std::vector<core::node_state>& out) {
  if (!is_array(r) || r.elements.size() % 2 != 0) return directory_status::unavailable;
  for (std::size_t i = 0; i < r.elements.size(); i += 2)
    out.push_back(core::node_state{r.elements[i].text, r.elements[i + 1].integer == 1});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.node < b.node; });
  return directory_status::ok;
}

}  // namespace switchboard::cluster::directory
