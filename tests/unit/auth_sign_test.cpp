// Tooling: key generation, private key files, token minting, JWKS editing.

#include "auth_test_util.hpp"

#include <boost/json/parse.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <filesystem>
#include <fstream>

namespace switchboard::auth {
namespace {

using namespace test;
namespace json = boost::json;

TEST(AuthSign, GeneratedKeysRoundTripForEachAlgorithm) {
  for (const auto a : all_algorithms()) {
    SCOPED_TRACE(std::string(to_string(a)));
    const auto generated = generate_key(a, "k1");
    std::string error;
    const auto priv = parse_signing_key(generated.private_text, error);
    ASSERT_TRUE(priv) << error;
    EXPECT_EQ(algorithm_of(*priv), a);
    EXPECT_EQ(public_jwk(*priv, "k1"), generated.public_jwk_json);
    const auto jwk = json::parse(generated.public_jwk_json).as_object();
    const auto text = [&](const char* name) { return std::string(jwk.at(name).as_string()); };
    EXPECT_EQ(text("kid"), "k1");
    EXPECT_EQ(text("alg"), to_string(a));
    EXPECT_EQ(text("use"), "sig");
    if (a == algorithm::hs256) {
      EXPECT_EQ(generated.private_text.front(), '{');
      EXPECT_EQ(base64url_decode(std::string(jwk.at("k").as_string()))->size(), 32u);
    } else {
      EXPECT_TRUE(generated.private_text.starts_with("-----BEGIN PRIVATE KEY-----\n"));
      EXPECT_TRUE(public_key_pem(*priv).starts_with("-----BEGIN PUBLIC KEY-----\n"));
    }
    const auto jwks = upsert_jwks("", generated.public_jwk_json, error);
    ASSERT_FALSE(jwks.empty()) << error;
    const auto keys = parse_jwks(jwks);
    ASSERT_TRUE(keys.keys) << keys.error;
    const auto token = sign_token(*priv, "k1", claims(",\"room\":\"r1\""));
    const auto result = verify(token, *keys.keys, {}, at(t0));
    ASSERT_TRUE(result.id) << result.message;
    EXPECT_EQ(result.id->room, "r1");
    // Two generations never give the same key.
    EXPECT_NE(generate_key(a, "k1").public_jwk_json, generated.public_jwk_json);
  }
}

TEST(AuthSign, TokenShape) {
  const auto& key = key_for(algorithm::es256);
  const auto token = sign_token(*key.priv, "es", claims());
  const auto dot = token.find('.');
  EXPECT_EQ(*base64url_decode(token.substr(0, dot)), R"({"alg":"ES256","typ":"JWT","kid":"es"})");
  EXPECT_EQ(*base64url_decode(token.substr(dot + 1, token.rfind('.') - dot - 1)), claims());
  EXPECT_EQ(base64url_decode(token.substr(token.rfind('.') + 1))->size(), 64u);
  const auto no_kid = sign_token(*key.priv, "", claims());
  EXPECT_EQ(*base64url_decode(no_kid.substr(0, no_kid.find('.'))), R"({"alg":"ES256","typ":"JWT"})");
  // kid is JSON-escaped, not pasted.
  const auto odd = sign_token(*key.priv, "a\"b", claims());
  EXPECT_EQ(*base64url_decode(odd.substr(0, odd.find('.'))), R"({"alg":"ES256","typ":"JWT","kid":"a\"b"})");
}

TEST(AuthSign, ClaimsMustBeAnObject) {
  const auto& key = *key_for(algorithm::hs256).priv;
  EXPECT_THROW(sign_token(key, "", "[1]"), std::invalid_argument);
  EXPECT_THROW(sign_token(key, "", "{\"a\":1"), std::invalid_argument);
  EXPECT_THROW(sign_token(key, "", "{\"a\":1,\"a\":2}"), std::invalid_argument);
  EXPECT_NO_THROW(sign_token(key, "", "{}"));
}

// PKCS#8 PEM of `pkey` (freed here).
std::string pem_of(EVP_PKEY* pkey) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  return out;
}

TEST(AuthSign, PrivateKeyFilesThatAreRefused) {
  const std::pair<std::string, const char*> cases[] = {
      {pem_of(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384")), "P-256"},
      {pem_of(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024})), "2048"},
      {pem_of(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448")), "unsupported key type"},
      {public_key_pem(*key_for(algorithm::eddsa).priv), "not an unencrypted PEM private key"},
      {"garbage", "not an unencrypted PEM private key"},
      {"", "not an unencrypted PEM private key"},
      {R"({"kty":"oct","alg":"HS256","k":"c2hvcnQ"})", "at least 32 bytes"},
      {R"({"kty":"oct","alg":"HS512","k":"c2hvcnQ"})", "must be"},
      {key_for(algorithm::eddsa).generated.public_jwk_json, "must be"},
      {"{ not json", "not valid JSON"},
  };
  for (const auto& [text, error_part] : cases) {
    std::string error;
    EXPECT_EQ(parse_signing_key(text, error), nullptr) << error_part;
    EXPECT_NE(error.find(error_part), std::string::npos) << error;
  }
}

TEST(AuthSign, LoadsAKeyFile) {
  const auto path = (std::filesystem::temp_directory_path() / ("auth_sign_test_" + std::to_string(::getpid()) + ".pem")).string();
  std::ofstream(path) << key_for(algorithm::rs256).generated.private_text;
  std::string error;
  const auto key = load_signing_key(path, error);
  std::filesystem::remove(path);
  ASSERT_TRUE(key) << error;
  EXPECT_EQ(algorithm_of(*key), algorithm::rs256);
  EXPECT_EQ(load_signing_key(path, error), nullptr);
  EXPECT_EQ(error, "cannot read " + path);
}

TEST(AuthSign, UpsertAddsAndReplacesByKid) {
  std::string error;
  const auto& ed = key_for(algorithm::eddsa).generated.public_jwk_json;
  const auto& es = key_for(algorithm::es256).generated.public_jwk_json;
  const auto one = upsert_jwks("", ed, error);
  ASSERT_FALSE(one.empty()) << error;
  EXPECT_EQ(one, "{\n  \"keys\": [\n    " + ed + "\n  ]\n}\n");
  const auto two = upsert_jwks(one, es, error);
  EXPECT_EQ(parse_jwks(two).keys->kids(), (std::vector<std::string>{"ed", "es"}));
  EXPECT_EQ(upsert_jwks(two, es, error), two);  // stable: same input, same text
  const auto replacement = generate_key(algorithm::eddsa, "ed").public_jwk_json;
  const auto replaced = upsert_jwks(two, replacement, error);
  EXPECT_EQ(parse_jwks(replaced).keys->kids(), (std::vector<std::string>{"ed", "es"}));
  EXPECT_NE(replaced.find(replacement), std::string::npos);
  EXPECT_EQ(replaced.find(ed), std::string::npos);
  // Other members of the document survive.
  const auto kept = upsert_jwks(R"({"note":"ours","keys":[]})", ed, error);
  EXPECT_EQ(std::string(json::parse(kept).as_object().at("note").as_string()), "ours");
}

TEST(AuthSign, UpsertRefusesBadInput) {
  std::string error;
  const auto& ed = key_for(algorithm::eddsa).generated.public_jwk_json;
  const std::pair<std::pair<std::string, std::string>, const char*> cases[] = {
      {{"", R"({"kty":"OKP"})"}, "no kid"},
      {{"", "not json"}, "the new key"},
      {{"{ broken", ed}, "the JWKS document"},
      {{R"({"keys":{}})", ed}, "not an array"},
      {{"", R"({"kty":"oct","kid":"x","alg":"HS256","k":"c2hvcnQ"})"}, "at least 32"},
  };
  for (const auto& [input, error_part] : cases) {
    EXPECT_EQ(upsert_jwks(input.first, input.second, error), "") << error_part;
    EXPECT_NE(error.find(error_part), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace switchboard::auth
