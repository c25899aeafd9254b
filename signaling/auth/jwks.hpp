#pragma once
// The verification keys: a JWKS document (RFC 7517) parsed strictly into an
// immutable key_set. Each key fixes its own algorithm ("alg" is required),
// so a token can never choose how it is checked.

#include "signaling/auth/algorithm.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::auth {

class verifier;

struct jwk_entry {
  std::string kid;  // empty when the JWK has none
  algorithm alg{};
  std::shared_ptr<const verifier> key;
};

// Immutable once built; safe to share between threads.
class key_set {
 public:
  explicit key_set(std::vector<jwk_entry> entries) : entries_(std::move(entries)) {}

  std::size_t size() const noexcept { return entries_.size(); }
  std::vector<std::string> kids() const;  // for logs
  const std::vector<jwk_entry>& entries() const noexcept { return entries_; }
  // The key whose kid is exactly `kid`, or nullptr.
  const jwk_entry* find(std::string_view kid) const noexcept;

 private:
  std::vector<jwk_entry> entries_;
};

struct jwks_result {
  std::shared_ptr<const key_set> keys;  // nullptr on error
  std::string error;                    // which key (index and kid) and why
};

// Supported keys: OKP/Ed25519 with alg EdDSA, EC/P-256 with ES256 (the point
// must be on the curve), RSA with RS256 (2048 bits or more), oct with HS256
// (k of 32 bytes or more). Refused: a missing or mismatched "alg", a kid used
// twice (or two keys without kid), "use" other than "sig", "key_ops" without
// "verify", private members in an asymmetric key, a duplicated JSON key
// anywhere, any other key type, and an empty "keys".
jwks_result parse_jwks(std::string_view json_text);

}  // namespace switchboard::auth
