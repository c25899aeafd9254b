#pragma once
// TURN REST API credentials (draft-uberti-behave-turn-rest-00, coturn's
// use-auth-secret): username = "<expiry-unix-seconds>:<user>",
// password = base64(HMAC-SHA1(secret, username)).

#include <chrono>
#include <string>
#include <string_view>

namespace switchboard::turn {

using wall_clock = std::chrono::system_clock;

struct credential {
  std::string username;
  std::string password;
  wall_clock::time_point expires;
};

inline constexpr std::chrono::seconds min_ttl{5 * 60};
inline constexpr std::chrono::seconds max_ttl{24 * 60 * 60};

// base64(HMAC-SHA1(key, message)), standard alphabet with padding.
std::string hmac_sha1_base64(std::string_view key, std::string_view message);

// Clamps a credential lifetime to [min_ttl, max_ttl].
std::chrono::seconds clamp_ttl(std::chrono::seconds ttl) noexcept;

// Mints a credential for `user` valid until now + ttl (ttl is used as given;
// clamp it first). The expiry is whole seconds since the Unix epoch.
credential mint(std::string_view secret, std::string_view user, wall_clock::time_point now,
                std::chrono::seconds ttl);

}  // namespace switchboard::turn
