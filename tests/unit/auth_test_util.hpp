#pragma once
// Shared fixtures for the auth_* unit tests: one generated key per algorithm
// (made once per process: RSA generation is the slow part), JWKS builders
// and hand-made tokens.

#include "signaling/auth/base64url.hpp"
#include "signaling/auth/jwks.hpp"
#include "signaling/auth/sign.hpp"
#include "signaling/auth/verify.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace switchboard::auth::test {

struct test_key {
  std::string kid;
  generated_key generated;
  std::unique_ptr<signing_key> priv;
};

inline const std::vector<algorithm>& all_algorithms() {
  static const std::vector<algorithm> algs{algorithm::eddsa, algorithm::es256, algorithm::rs256, algorithm::hs256};
  return algs;
}

// kid "ed", "es", "rs", "hs".
inline const test_key& key_for(algorithm a) {
  static const auto keys = [] {
    std::map<algorithm, test_key> m;
    const std::map<algorithm, std::string> kids{
        {algorithm::eddsa, "ed"}, {algorithm::es256, "es"}, {algorithm::rs256, "rs"}, {algorithm::hs256, "hs"}};
    for (const auto& [alg, kid] : kids) {
      test_key k{kid, generate_key(alg, kid), nullptr};
      std::string error;
      k.priv = parse_signing_key(k.generated.private_text, error);
      if (!k.priv) throw std::runtime_error("test key: " + error);
      m.emplace(alg, std::move(k));
    }
    return m;
  }();
  return keys.at(a);
}

inline std::string jwks_text(const std::vector<std::string>& jwks) {
  std::string doc = "{\"keys\":[";
  for (std::size_t i = 0; i < jwks.size(); ++i) doc += (i ? "," : "") + jwks[i];
  return doc + "]}";
}

// A key_set from JWK objects; fails the test (and returns an empty set) when refused.
inline std::shared_ptr<const key_set> keys_of(const std::vector<std::string>& jwks) {
  auto result = parse_jwks(jwks_text(jwks));
  EXPECT_TRUE(result.keys) << result.error;
  return result.keys ? result.keys : std::make_shared<const key_set>(std::vector<jwk_entry>{});
}

// All four test keys.
inline std::shared_ptr<const key_set> all_keys() {
  std::vector<std::string> jwks;
  for (const auto a : all_algorithms()) jwks.push_back(key_for(a).generated.public_jwk_json);
  return keys_of(jwks);
}

inline std::string b64(std::string_view s) { return base64url_encode(s); }

// The unix time every claims test runs at.
constexpr long long t0 = 1'700'000'000;
inline std::chrono::system_clock::time_point at(long long unix_seconds) {
  return std::chrono::system_clock::time_point{std::chrono::seconds{unix_seconds}};
}

// Claims valid at t0 with default options, with `extra` members appended
// verbatim (a JSON fragment starting with ',').
inline std::string claims(const std::string& extra = "") {
  return "{\"sub\":\"alice\",\"aud\":\"switchboard\",\"iat\":" + std::to_string(t0) +
         ",\"exp\":" + std::to_string(t0 + 300) + extra + "}";
}

}  // namespace switchboard::auth::test
