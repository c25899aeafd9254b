#pragma once
// Rules that span several keys or touch the outside world: TLS pairs, the
// secret file, profile requirements, the ephemeral development secret.

#include "signaling/config/convert.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::config::detail {

// Checks and completes `conv.cfg` (secret file contents, ephemeral secret,
// clamped TTL); appends problems and notes.
void check_config(conversion& conv, const document& doc, const load_options& opts,
                  std::vector<problem>& problems, std::vector<std::string>& notes);

// TURN URIs for clients derived from turn.managed (listen or external_ip);
// empty, with the reason in *why_not, when no public address is known.
std::vector<std::string> derive_turn_uris(const config& cfg, std::string* why_not);

// Where a key's value came from, for a problem about it.
using source_of_key = std::function<std::string(const std::string& key)>;

// cluster.*: heartbeat vs. node TTL; with cluster.enabled, the Redis password
// resolved (cluster_config::redis_password) and an empty node_id generated.
void check_cluster(config& cfg, const load_options& opts, const source_of_key& source,
                   std::vector<problem>& problems, std::vector<std::string>& notes);

// cluster.redis.url as dumped: the password replaced by "***", the rest as written.
std::string masked_redis_url(const std::string& text);

// Why a file of secrets cannot be read, if it cannot: missing, or not a regular file.
std::optional<std::string> secret_file_missing(const std::string& path);
// Why it is too open for the production profile (group or other access), if it is.
std::optional<std::string> secret_file_too_open(const std::string& path);

// 32 random bytes as unpadded base64url; empty if the RNG fails.
std::string random_secret();

}  // namespace switchboard::config::detail
