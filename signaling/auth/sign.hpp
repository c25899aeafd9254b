#pragma once
// Tooling: private keys, key generation, token minting and JWKS editing, for
// the `switchboard auth` commands and the tests. The server never signs.
// These functions may throw (std::invalid_argument for bad input,
// std::runtime_error when OpenSSL fails): they run in a command, not a session.

#include "signaling/auth/algorithm.hpp"

#include <memory>
#include <string>
#include <string_view>

struct evp_pkey_st;

namespace switchboard::auth {

// A private key: an EVP_PKEY, or the HMAC secret for HS256.
struct signing_key {
  algorithm alg{};
  evp_pkey_st* pkey = nullptr;  // owned; null for HS256
  std::string secret;           // HS256 only; wiped on destruction

  signing_key() = default;
  ~signing_key();
  signing_key(const signing_key&) = delete;
  signing_key& operator=(const signing_key&) = delete;
};

// Reads a private key file: PEM (PKCS#8 or traditional; Ed25519, P-256,
// RSA >= 2048 bits; unencrypted) or a JSON JWK {"kty":"oct","k":..,"alg":"HS256"}.
// nullptr and a reason in `error` on failure.
std::unique_ptr<signing_key> load_signing_key(const std::string& path, std::string& error);
// The same from the file's text.
std::unique_ptr<signing_key> parse_signing_key(std::string_view text, std::string& error);

algorithm algorithm_of(const signing_key& k);

// header {"alg":..,"typ":"JWT"[,"kid":kid]} . claims_json (verbatim; must be
// a JSON object without duplicate keys, else std::invalid_argument) .
// signature (ES256: raw R||S, 64 bytes).
std::string sign_token(const signing_key& key, std::string_view kid, std::string_view claims_json);

// The compact JWS of `payload` under `header_json`, both taken verbatim and
// unchecked (tests use it to build tokens with odd headers).
std::string sign_jws(const signing_key& key, std::string_view header_json, std::string_view payload);

// The key's public JWK (for HS256: the secret itself) as one compact JSON
// object with kid (when non-empty), alg and "use":"sig".
std::string public_jwk(const signing_key& key, std::string_view kid);
// The public key as PEM (SubjectPublicKeyInfo); empty for HS256.
std::string public_key_pem(const signing_key& key);

struct generated_key {
  std::string private_text;     // PKCS#8 PEM, or the oct JWK JSON for HS256
  std::string public_jwk_json;  // one JWK object with kid, alg, "use":"sig"
};
// RSA keys have 2048 bits; HS256 secrets are 32 random bytes.
generated_key generate_key(algorithm a, std::string_view kid);

// `existing` (a JWKS document, or empty for a new one) with `jwk_json` added,
// or replacing the key with the same kid (the JWK must have a kid). The
// result is checked with parse_jwks and printed one key per line, in a
// stable order. Empty with `error` set on failure.
std::string upsert_jwks(std::string_view existing, std::string_view jwk_json, std::string& error);

}  // namespace switchboard::auth
