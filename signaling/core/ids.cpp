#include "signaling/core/ids.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <string_view>
#include <vector>

namespace switchboard::core {
namespace {

// 64 symbols: each random byte's low 6 bits pick one with no modulo bias,
// because 256 is a multiple of 64.
constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
static_assert(alphabet.size() == 64);

}  // namespace

std::string random_url_safe(std::size_t length) {
  std::vector<unsigned char> bytes(length);
  // A failing CSPRNG leaves no safe way to issue IDs or tokens; refusing
  // loudly beats handing out guessable ones.
  if (length > 0 && RAND_bytes(bytes.data(), static_cast<int>(length)) != 1) {
    throw std::runtime_error("RAND_bytes failed: the system random generator is unavailable");
  }
  std::string out(length, '\0');
  for (std::size_t i = 0; i < length; ++i) out[i] = alphabet[bytes[i] & 0x3F];
  return out;
}

std::string random_peer_id() { return random_url_safe(21); }

std::string random_token() { return random_url_safe(43); }

}  // namespace switchboard::core
