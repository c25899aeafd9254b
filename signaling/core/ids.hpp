#pragma once
// Unpredictable identifiers from the OS CSPRNG (OpenSSL RAND_bytes).

#include <cstddef>
#include <string>

namespace switchboard::core {

// `length` characters from the URL-safe alphabet A-Z a-z 0-9 _ - (6 bits each, no bias).
std::string random_url_safe(std::size_t length);
// A peer ID: 21 URL-safe characters (126 bits).
std::string random_peer_id();
// A resume token: 43 URL-safe characters (258 bits).
std::string random_token();

}  // namespace switchboard::core
