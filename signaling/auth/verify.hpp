#pragma once
// Token verification: a pure function of (token, keys, options, now).
//
// Order of checks: size first (before any decoding), then the compact form
// and base64url of all three parts, the header, the key (by kid), the
// algorithm (the key's, never the header's choice), the signature, and only
// then the claims. The first failure is reported.
//
// "alg" values other than EdDSA, ES256, RS256 and HS256 (spelled exactly so)
// are `unsupported_alg`; that includes "none", so unsigned tokens are
// refused before a key is even looked up. A known alg that differs from the
// selected key's alg is `alg_mismatch`.
//
// Messages never contain any part of the token. verify() never throws for
// any input (only std::bad_alloc can escape).

#include "signaling/auth/jwks.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::auth {

struct verify_options {
  std::string audience = "switchboard";     // "aud" (string or array) must contain it
  std::vector<std::string> issuers;         // non-empty: "iss" must be one of them
  std::chrono::seconds leeway{60};          // clock skew allowed for exp, nbf, iat
  std::chrono::seconds max_lifetime{3600};  // exp - iat (or exp - now without iat) at most this
  std::size_t max_token_bytes = 8192;
};

enum class failure {
  none,
  oversize,
  malformed,
  bad_header,
  unsupported_alg,
  alg_mismatch,
  kid_required,
  unknown_key,
  bad_signature,
  bad_claims,
  missing_claim,
  expired,
  not_yet_valid,
  issued_in_future,
  wrong_audience,
  wrong_issuer,
  lifetime_too_long
};

// A stable short name ("bad_signature"), usable as a metric label.
std::string_view to_string(failure f) noexcept;

struct identity {
  std::string subject;                            // "sub" (non-empty)
  std::optional<std::string> room;                // "room" claim, when present
  std::string issuer;                             // "iss" or empty
  std::string key_id;                             // kid of the key that verified it (may be empty)
  std::chrono::system_clock::time_point expires;  // exp
};

struct verify_result {
  std::optional<identity> id;  // set on success
  failure why = failure::none;
  std::string message;  // short English reason, safe to show the client and to log
};

verify_result verify(std::string_view token, const key_set& keys, const verify_options& opt,
                     std::chrono::system_clock::time_point now);

// The signature layer alone (compact form, header rules, key choice, alg,
// signature): the decoded payload on success. For test vectors without
// Switchboard's claims, and used by verify().
struct jws_result {
  std::optional<std::string> payload;
  failure why = failure::none;
  std::string message;
  std::string key_id;  // kid of the key that verified it (may be empty)
};
// Tokens over `max_token_bytes` are `oversize` before any decoding; the
// two-argument form uses verify_options' default (8192).
jws_result verify_jws(std::string_view token, const key_set& keys);
jws_result verify_jws(std::string_view token, const key_set& keys, std::size_t max_token_bytes);

}  // namespace switchboard::auth
