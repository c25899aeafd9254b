#pragma once
// Rules that span several keys or touch the outside world: TLS pairs, the
// secret file, profile requirements, the ephemeral development secret.

#include "signaling/config/convert.hpp"

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

// 32 random bytes as unpadded base64url; empty if the RNG fails.
std::string random_secret();

}  // namespace switchboard::config::detail
