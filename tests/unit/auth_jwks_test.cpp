// parse_jwks: what a JWKS may hold, and the error text that names the key.

#include "auth_test_util.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/core_names.h>
#include <openssl/evp.h>

namespace switchboard::auth {
namespace {

using namespace test;
namespace json = boost::json;

std::string jwk_of(algorithm a) { return key_for(a).generated.public_jwk_json; }

// The JWK of `a` with member `name` set to the JSON `value` (or removed when empty).
std::string edited(algorithm a, const char* name, const std::string& value) {
  auto jwk = json::parse(jwk_of(a)).as_object();
  if (value.empty()) {
    jwk.erase(name);
  } else {
    jwk[name] = json::parse(value);
  }
  return json::serialize(jwk);
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string rsa_1024_jwk() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024});
  BIGNUM* n = nullptr;
  EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(n)), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(n);
  EVP_PKEY_free(pkey);
  return R"({"kty":"RSA","alg":"RS256","e":"AQAB","n":")" + b64(bytes) + "\"}";
}

std::string off_curve_jwk() {
  const auto jwk = json::parse(jwk_of(algorithm::es256)).as_object();
  auto y = *base64url_decode(std::string(jwk.at("y").as_string()));
  y.back() = static_cast<char>(y.back() ^ 1);
  return edited(algorithm::es256, "y", quoted(b64(y)));
}

struct jwks_case {
  const char* name;
  std::string doc;
  const char* error_part;  // nullptr: accepted
};

std::vector<jwks_case> cases() {
  const auto doc = [](std::vector<std::string> jwks) { return jwks_text(jwks); };
  const auto oct = [](std::size_t bytes) {
    return R"({"kty":"oct","alg":"HS256","kid":"s","k":")" + b64(std::string(bytes, 'k')) + "\"}";
  };
  return {
      {"Ed25519", doc({jwk_of(algorithm::eddsa)}), nullptr},
      {"P-256", doc({jwk_of(algorithm::es256)}), nullptr},
      {"RSA", doc({jwk_of(algorithm::rs256)}), nullptr},
      {"oct", doc({jwk_of(algorithm::hs256)}), nullptr},
      {"all four",
       doc({jwk_of(algorithm::eddsa), jwk_of(algorithm::es256), jwk_of(algorithm::rs256), jwk_of(algorithm::hs256)}),
       nullptr},
      {"no kid", doc({edited(algorithm::eddsa, "kid", "")}), nullptr},
      {"key_ops with verify", doc({edited(algorithm::eddsa, "key_ops", R"(["verify"])")}), nullptr},
      {"use absent", doc({edited(algorithm::eddsa, "use", "")}), nullptr},
      {"unknown members", doc({edited(algorithm::rs256, "x5t", R"("abc")")}), nullptr},
      {"oct of 32 bytes", doc({oct(32)}), nullptr},
      {"missing alg", doc({edited(algorithm::eddsa, "alg", "")}), "\"alg\" is missing"},
      {"alg of another type", doc({edited(algorithm::eddsa, "alg", R"("ES256")")}), "does not match"},
      {"alg RS512", doc({edited(algorithm::rs256, "alg", R"("RS512")")}), "does not match"},
      {"alg lower case", doc({edited(algorithm::hs256, "alg", R"("hs256")")}), "does not match"},
      {"alg not a string", doc({edited(algorithm::hs256, "alg", "256")}), "must be strings"},
      {"EC on P-384", doc({edited(algorithm::es256, "crv", R"("P-384")")}), "unsupported key type"},
      {"X25519", doc({edited(algorithm::eddsa, "crv", R"("X25519")")}), "unsupported key type"},
      {"unknown kty", doc({R"({"kty":"foo","alg":"HS256"})"}), "unsupported key type"},
      {"missing kty", doc({R"({"alg":"HS256","k":"x"})"}), "\"kty\" is required"},
      {"RSA 1024 bits", doc({rsa_1024_jwk()}), "1024 bits"},
      {"RSA even exponent", doc({edited(algorithm::rs256, "e", R"("AQAA")")}), "exponent"},
      {"RSA exponent 1", doc({edited(algorithm::rs256, "e", R"("AQ")")}), "exponent"},
      {"oct of 16 bytes", doc({oct(16)}), "16 bytes"},
      {"oct of 31 bytes", doc({oct(31)}), "31 bytes"},
      {"Ed25519 of 31 bytes", doc({edited(algorithm::eddsa, "x", quoted(b64(std::string(31, 'x'))))}), "32 bytes"},
      {"private d in OKP", doc({edited(algorithm::eddsa, "d", quoted(b64(std::string(32, 'd'))))}), "private member \"d\""},
      {"private d in EC", doc({edited(algorithm::es256, "d", quoted(b64(std::string(32, 'd'))))}), "private member \"d\""},
      {"private p in RSA", doc({edited(algorithm::rs256, "p", quoted(b64("p")))}), "private member \"p\""},
      {"duplicate kid", doc({jwk_of(algorithm::eddsa), edited(algorithm::es256, "kid", R"("ed")")}), "key 1 (kid \"ed\"): the kid is used twice"},
      {"two keys without kid", doc({edited(algorithm::eddsa, "kid", ""), edited(algorithm::es256, "kid", "")}), "more than one key has no kid"},
      {"empty kid", doc({edited(algorithm::eddsa, "kid", R"("")")}), "non-empty string"},
      {"kid a number", doc({edited(algorithm::eddsa, "kid", "7")}), "non-empty string"},
      {"EC point not on the curve", doc({off_curve_jwk()}), "not on the curve"},
      {"bad base64url (+)", doc({edited(algorithm::eddsa, "x", R"("11qYAYKxCrfVS+7TyWQHOg7hcvPapiMlrwIaaPcHURo")")}), "\"x\" is not valid base64url"},
      {"bad base64url (padding)", doc({edited(algorithm::es256, "y", quoted(b64(std::string(32, 'y')) + "="))}), "\"y\" is not valid base64url"},
      {"member not a string", doc({edited(algorithm::rs256, "n", "12")}), "\"n\" is not a string"},
      {"missing member", doc({edited(algorithm::es256, "y", "")}), "\"y\" is missing"},
      {"use enc", doc({edited(algorithm::eddsa, "use", R"("enc")")}), "\"use\" must be \"sig\""},
      {"key_ops without verify", doc({edited(algorithm::eddsa, "key_ops", R"(["sign"])")}), "\"verify\""},
      {"key_ops not an array", doc({edited(algorithm::eddsa, "key_ops", R"("verify")")}), "\"verify\""},
      {"duplicate member in a key", R"({"keys":[{"kty":"oct","alg":"HS256","k":"x","k":"y"}]})", "same key twice"},
      {"duplicate top-level member", "{\"keys\":[" + jwk_of(algorithm::eddsa) + "],\"keys\":[]}", "same key twice"},
      {"key not an object", R"({"keys":["x"]})", "key 0 (no kid): not an object"},
      {"not JSON", "keys: []", "not valid JSON"},
      {"not an object", "[]", "not a JSON object"},
      {"keys missing", "{}", "\"keys\" array"},
      {"keys not an array", R"({"keys":{}})", "\"keys\" array"},
      {"empty keys", R"({"keys":[]})", "\"keys\" is empty"},
      {"empty text", "", "not valid JSON"},
  };
}

TEST(AuthJwks, Table) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const auto result = parse_jwks(c.doc);
    if (!c.error_part) {
      EXPECT_TRUE(result.keys) << result.error;
      EXPECT_TRUE(result.error.empty());
      continue;
    }
    EXPECT_FALSE(result.keys);
    EXPECT_NE(result.error.find(c.error_part), std::string::npos) << result.error;
  }
}

TEST(AuthJwks, ErrorsNameTheKey) {
  const auto result = parse_jwks(jwks_text({jwk_of(algorithm::eddsa), edited(algorithm::rs256, "alg", "")}));
  EXPECT_EQ(result.error, "JWKS: key 1 (kid \"rs\"): \"alg\" is missing (expected \"RS256\")");
}

TEST(AuthJwks, KeySetLooksUpByExactKid) {
  const auto keys = all_keys();
  ASSERT_EQ(keys->size(), 4u);
  EXPECT_EQ(keys->kids(), (std::vector<std::string>{"ed", "es", "rs", "hs"}));
  ASSERT_TRUE(keys->find("es"));
  EXPECT_EQ(keys->find("es")->alg, algorithm::es256);
  EXPECT_EQ(keys->find("ES"), nullptr);
  EXPECT_EQ(keys->find(""), nullptr);
}

TEST(AuthJwks, AlgorithmNames) {
  for (const auto a : all_algorithms()) EXPECT_EQ(algorithm_from_name(to_string(a)), a);
  EXPECT_EQ(to_string(algorithm::eddsa), "EdDSA");
  EXPECT_EQ(algorithm_from_name("none"), std::nullopt);
  EXPECT_EQ(algorithm_from_name("eddsa"), std::nullopt);
}

}  // namespace
}  // namespace switchboard::auth
