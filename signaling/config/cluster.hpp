#pragma once
// cluster.*: what the loader derives for a replica (its node ID, the Redis
// password) and the Redis URL the cluster layer connects with.

#include "signaling/cluster/redis_url.hpp"
#include "signaling/config/config.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::config {

inline constexpr std::size_t max_node_id_length = 64;

// 1-64 characters of [A-Za-z0-9._-]: node IDs end up in Redis key names and logs.
bool valid_node_id(std::string_view id);

// `host_name` with characters outside [A-Za-z0-9._-] replaced by '-' and cut
// so that the result fits 64 characters, then "-" and `suffix` (at most 63
// characters). An empty host name reads as "switchboard". Pure.
std::string make_node_id(std::string_view host_name, std::string_view suffix);

// What an empty cluster.node_id becomes when the cluster is enabled: this
// machine's host name (a pod name under Kubernetes), "-", and 6 random
// letters and digits, so a restarted replica is never taken for its old self.
std::string default_node_id();

// cluster.redis_url parsed, with the resolved redis_password (password_file >
// SWITCHBOARD_REDIS_PASSWORD > the URL's own) in it; nullopt if the URL is
// invalid (the loader rejects such a config).
std::optional<cluster::redis_url> redis_url_of(const cluster_config& c);

}  // namespace switchboard::config
