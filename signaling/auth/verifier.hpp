#pragma once
// One public key (or HMAC secret) that checks JWS signatures, built with the
// OpenSSL 3 provider API. Immutable once built; OpenSSL 3 allows one EVP_PKEY
// to be used by several threads at once, so a verifier may be shared freely.

#include "signaling/auth/algorithm.hpp"

#include <memory>
#include <string>
#include <string_view>

struct evp_pkey_st;

namespace switchboard::auth {

class verifier {
 public:
  // Builders: nullptr and a reason in `error` when the material is not a
  // usable key of that type. Sizes are checked here, not by the caller.
  static std::unique_ptr<verifier> ed25519(std::string_view x, std::string& error);
  static std::unique_ptr<verifier> p256(std::string_view x, std::string_view y, std::string& error);
  static std::unique_ptr<verifier> rsa(std::string_view n, std::string_view e, std::string& error);
  static std::unique_ptr<verifier> hmac(std::string_view secret, std::string& error);

  ~verifier();
  verifier(const verifier&) = delete;
  verifier& operator=(const verifier&) = delete;

  algorithm alg() const noexcept { return alg_; }

  // True when `signature` is this key's signature of `signing_input` (for
  // ES256: the 64-byte R||S form of RFC 7518 section 3.4, nothing else).
  bool verify(std::string_view signing_input, std::string_view signature) const noexcept;

 private:
  verifier(algorithm alg, evp_pkey_st* pkey, std::string secret) noexcept;
  bool verify_hmac(std::string_view input, std::string_view signature) const noexcept;
  bool verify_pkey(std::string_view input, std::string_view signature) const noexcept;

  algorithm alg_;
  evp_pkey_st* pkey_;   // owned; null for HS256
  std::string secret_;  // HS256 only; wiped on destruction
};

}  // namespace switchboard::auth
