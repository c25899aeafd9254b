#include "turn/credentials/credentials.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <string>

namespace switchboard::turn {
namespace {

std::string base64(const unsigned char* data, std::size_t size) {
  // EVP_EncodeBlock writes 4 characters per 3 input bytes plus a NUL.
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data,
                                      static_cast<int>(size));
  out.resize(written < 0 ? 0 : static_cast<std::size_t>(written));
  return out;
}

}  // namespace

std::string hmac_sha1_base64(std::string_view key, std::string_view message) {
  // OpenSSL treats a null key pointer differently from an empty key; an empty
  // secret must still produce the HMAC every other implementation computes.
  static const unsigned char empty_key = 0;
  const void* key_data = key.empty() ? &empty_key : static_cast<const void*>(key.data());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  const unsigned char* ok =
      HMAC(EVP_sha1(), key_data, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
           &digest_size);
  if (ok == nullptr) {
    return {};
  }
  return base64(digest, digest_size);
}

std::chrono::seconds clamp_ttl(std::chrono::seconds ttl) noexcept {
  return std::clamp(ttl, min_ttl, max_ttl);
}

credential mint(std::string_view secret, std::string_view user, wall_clock::time_point now,
                std::chrono::seconds ttl) {
  // coturn compares whole seconds, so the expiry is truncated before adding ttl
  // and `expires` reports exactly what the username promises.
  const auto expires = std::chrono::floor<std::chrono::seconds>(now) + ttl;
  std::string username = std::to_string(expires.time_since_epoch().count());
  if (!user.empty()) {
    username += ':';
    username += user;
  }
  credential out;
  out.password = hmac_sha1_base64(secret, username);
  out.username = std::move(username);
  out.expires = expires;
  return out;
}

}  // namespace switchboard::turn
