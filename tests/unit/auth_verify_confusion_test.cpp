// Algorithm confusion and ES256 signature encodings: the key decides the
// algorithm, never the token.

#include "auth_test_util.hpp"

#include <boost/json/parse.hpp>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

namespace switchboard::auth {
namespace {

using namespace test;

std::string member(const std::string& jwk, const char* name) {
  return std::string(boost::json::parse(jwk).as_object().at(name).as_string());
}

// Every form of an asymmetric key's public material an attacker might try
// as an HMAC secret.
std::vector<std::pair<std::string, std::string>> public_material(algorithm a) {
  const auto& key = key_for(a);
  const auto& jwk = key.generated.public_jwk_json;
  std::vector<std::pair<std::string, std::string>> out;
  const char* main_member = a == algorithm::rs256 ? "n" : "x";  // modulus; x coordinate or raw Ed25519 key
  out.emplace_back(std::string(main_member) + " bytes", *base64url_decode(member(jwk, main_member)));
  out.emplace_back(std::string(main_member) + " text", member(jwk, main_member));
  out.emplace_back("public PEM", public_key_pem(*key.priv));
  out.emplace_back("JWK text", jwk);
  return out;
}

TEST(AuthConfusion, Hs256KeyedWithPublicMaterialIsRefused) {
  const auto keys = all_keys();
  for (const auto a : {algorithm::eddsa, algorithm::es256, algorithm::rs256}) {
    const auto& key = key_for(a);
    const auto single = keys_of({key.generated.public_jwk_json});
    for (const auto& [what, material] : public_material(a)) {
      SCOPED_TRACE(key.kid + ": " + what);
      ASSERT_FALSE(material.empty());
      signing_key forger;
      forger.alg = algorithm::hs256;
      forger.secret = material;
      const auto with_kid = verify(sign_token(forger, key.kid, claims()), *keys, {}, at(t0));
      EXPECT_EQ(with_kid.why, failure::alg_mismatch);
      EXPECT_EQ(with_kid.message, "token alg HS256 does not match the key's alg " + std::string(to_string(a)));
      EXPECT_EQ(verify(sign_token(forger, "", claims()), *single, {}, at(t0)).why, failure::alg_mismatch);
    }
  }
}

TEST(AuthConfusion, AsymmetricHeaderOnAnHmacKeyIsRefused) {
  const auto single = keys_of({key_for(algorithm::hs256).generated.public_jwk_json});
  for (const auto a : {algorithm::eddsa, algorithm::es256, algorithm::rs256}) {
    const auto token = sign_token(*key_for(a).priv, "", claims());
    EXPECT_EQ(verify(token, *single, {}, at(t0)).why, failure::alg_mismatch) << to_string(a);
  }
}

std::string sig_part(const std::string& token) { return *base64url_decode(token.substr(token.rfind('.') + 1)); }
std::string signed_part(const std::string& token) { return token.substr(0, token.rfind('.')); }

// R||S to DER, as OpenSSL (and some broken JWT libraries) produce.
std::string to_der(const std::string& raw) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  ECDSA_SIG_set0(sig, BN_bin2bn(p, 32, nullptr), BN_bin2bn(p + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

TEST(AuthConfusion, Es256SignatureMustBeRawAnd64Bytes) {
  const auto keys = all_keys();
  const auto& key = key_for(algorithm::es256);
  const auto good = sign_token(*key.priv, key.kid, claims());
  const auto raw = sig_part(good);
  ASSERT_EQ(raw.size(), 64u);
  ASSERT_TRUE(verify(good, *keys, {}, at(t0)).id);
  const auto der = to_der(raw);
  ASSERT_GE(der.size(), 8u);
  for (const auto& sig : {der, raw.substr(0, 63), raw + std::string(1, '\0'), std::string(1, '\0') + raw,
                          std::string(64, '\0'), std::string(32, '\0') + raw.substr(32)}) {
    const auto result = verify(signed_part(good) + "." + b64(sig), *keys, {}, at(t0));
    EXPECT_EQ(result.why, failure::bad_signature) << sig.size();
  }
}

TEST(AuthConfusion, Es256LowOrderAndOverflowingScalarsAreRefused) {
  const auto keys = all_keys();
  const auto& key = key_for(algorithm::es256);
  const auto good = sign_token(*key.priv, key.kid, claims());
  const auto raw = sig_part(good);
  // R or S >= the group order (all 0xFF) must not verify (no modular wrap).
  for (const auto& sig : {std::string(32, '\xFF') + raw.substr(32), raw.substr(0, 32) + std::string(32, '\xFF')}) {
    EXPECT_EQ(verify(signed_part(good) + "." + b64(sig), *keys, {}, at(t0)).why, failure::bad_signature);
  }
}

TEST(AuthConfusion, RefusalsLeaveNoOpenSslErrorsBehind) {
  const auto keys = all_keys();
  ERR_clear_error();
  for (const auto a : all_algorithms()) {
    const auto good = sign_token(*key_for(a).priv, key_for(a).kid, claims());
    auto sig = sig_part(good);
    sig[0] = static_cast<char>(sig[0] ^ 0x80);
    EXPECT_EQ(verify(signed_part(good) + "." + b64(sig), *keys, {}, at(t0)).why, failure::bad_signature);
    EXPECT_EQ(ERR_peek_error(), 0u) << to_string(a);
  }
  EXPECT_FALSE(parse_jwks(R"({"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]})").keys);
  EXPECT_EQ(ERR_peek_error(), 0u);
  std::string error;
  EXPECT_FALSE(parse_signing_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", error));
  EXPECT_EQ(ERR_peek_error(), 0u);
}

}  // namespace
}  // namespace switchboard::auth
