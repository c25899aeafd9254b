// verify(): the compact form, the header, key choice and the signature.

#include "auth_test_util.hpp"

#include <random>

namespace switchboard::auth {
namespace {

using namespace test;

verify_result check(std::string_view token, const key_set& keys, verify_options opt = {}) {
  return verify(token, keys, opt, at(t0));
}

std::string part(const std::string& token, int i) {
  std::size_t start = 0;
  for (int k = 0; k < i; ++k) start = token.find('.', start) + 1;
  const auto end = token.find('.', start);
  return token.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string join(const std::string& h, const std::string& p, const std::string& s) { return h + "." + p + "." + s; }

TEST(AuthVerifyJws, ValidForEachAlgorithm) {
  const auto keys = all_keys();
  for (const auto a : all_algorithms()) {
    const auto& key = key_for(a);
    SCOPED_TRACE(key.kid);
    EXPECT_TRUE(check(sign_token(*key.priv, key.kid, claims()), *keys).id);
    // Without a kid, a one-key set uses its key.
    const auto single = keys_of({key.generated.public_jwk_json});
    EXPECT_TRUE(check(sign_token(*key.priv, "", claims()), *single).id);
  }
}

TEST(AuthVerifyJws, MalformedStructure) {
  const auto keys = all_keys();
  const auto good = sign_token(*key_for(algorithm::eddsa).priv, "ed", claims());
  const auto h = part(good, 0), p = part(good, 1), s = part(good, 2);
  const std::string cases[] = {"", ".", "..", "...", h, h + "." + p, h + "." + p + ".", "." + p + "." + s, h + ".." + s,
                               good + "." + s, good + ".", " " + good, good + "\n"};
  for (const auto& token : cases) {
    EXPECT_EQ(check(token, *keys).why, failure::malformed) << token;
  }
}

TEST(AuthVerifyJws, BadBase64urlInEachPart) {
  const auto keys = all_keys();
  const auto good = sign_token(*key_for(algorithm::es256).priv, "es", claims());
  for (int i = 0; i < 3; ++i) {
    std::string parts[] = {part(good, 0), part(good, 1), part(good, 2)};
    const auto original = parts[i];
    for (const std::string& bad : {"+" + original.substr(1), "/" + original.substr(1), original + "=",
                                   original.substr(0, 4) + " " + original.substr(4)}) {
      parts[i] = bad;
      const auto token = join(parts[0], parts[1], parts[2]);
      EXPECT_EQ(check(token, *keys).why, failure::malformed) << "part " << i << ": " << bad;
    }
  }
}

TEST(AuthVerifyJws, OversizeIsCheckedFirst) {
  const auto keys = all_keys();
  const auto& key = key_for(algorithm::hs256);
  const auto big = sign_token(*key.priv, key.kid, claims(",\"pad\":\"" + std::string(9000, 'x') + "\""));
  EXPECT_EQ(check(big, *keys).why, failure::oversize);
  EXPECT_EQ(check(std::string(8193, '!'), *keys).why, failure::oversize);
  EXPECT_EQ(check(std::string(8192, '!'), *keys).why, failure::malformed);
  const auto token = sign_token(*key.priv, key.kid, claims());
  verify_options opt;
  opt.max_token_bytes = token.size();
  EXPECT_TRUE(check(token, *keys, opt).id);
  opt.max_token_bytes = token.size() - 1;
  EXPECT_EQ(check(token, *keys, opt).why, failure::oversize);
}

struct header_case {
  const char* header;
  failure expected;
};

TEST(AuthVerifyJws, HeaderRules) {
  const auto keys = all_keys();
  const auto& key = *key_for(algorithm::eddsa).priv;
  const header_case cases[] = {
      {R"({"alg":"EdDSA","kid":"ed"})", failure::none},
      {R"({"alg":"EdDSA","kid":"ed","typ":"jwt"})", failure::none},
      {R"({"alg":"EdDSA","kid":"ed","cty":"x","x5t":"abc"})", failure::none},
      {R"({"alg":"EdDSA","kid":"ed","alg":"EdDSA"})", failure::bad_header},
      {R"({"alg":"EdDSA","kid":"ed","kid":"es"})", failure::bad_header},
      {R"({"alg":"EdDSA","kid":"ed","crit":["exp"],"exp":1})", failure::bad_header},
      {R"({"alg":"EdDSA","kid":"ed","jku":"https://evil.example/jwks"})", failure::bad_header},
      {R"({"alg":"EdDSA","kid":"ed","jwk":{"kty":"OKP"}})", failure::bad_header},
      {R"({"alg":"EdDSA","kid":"ed","x5u":"https://evil.example/cert"})", failure::bad_header},
      {R"({"alg":"EdDSA","kid":"ed","x5c":["MIIB"]})", failure::bad_header},
      {R"({"alg":"EdDSA","kid":"ed","typ":"at+jwt"})", failure::bad_header},
      {R"({"alg":"EdDSA","kid":"ed","typ":1})", failure::bad_header},
      {R"({"alg":"EdDSA","kid":5})", failure::bad_header},
      {R"({"alg":"EdDSA","kid":""})", failure::bad_header},
      {R"({"kid":"ed"})", failure::bad_header},
      {R"({"alg":null,"kid":"ed"})", failure::bad_header},
      {R"(["alg","EdDSA"])", failure::bad_header},
      {R"(not json)", failure::bad_header},
      {R"({"alg":"EdDSA","kid":"ed"} x)", failure::bad_header},
      {R"({"alg":"eddsa","kid":"ed"})", failure::unsupported_alg},
      {R"({"alg":"HS512","kid":"hs"})", failure::unsupported_alg},
      {R"({"alg":"none","kid":"ed"})", failure::unsupported_alg},
      {R"({"alg":"none"})", failure::unsupported_alg},
      {R"({"alg":"ES256","kid":"ed"})", failure::alg_mismatch},
      {R"({"alg":"HS256","kid":"ed"})", failure::alg_mismatch},
      {R"({"alg":"EdDSA","kid":"es"})", failure::alg_mismatch},
      {R"({"alg":"EdDSA","kid":"nope"})", failure::unknown_key},
      {R"({"alg":"EdDSA","kid":"ED"})", failure::unknown_key},
      {R"({"alg":"EdDSA"})", failure::kid_required},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.header);
    const auto result = check(sign_jws(key, c.header, claims()), *keys);
    EXPECT_EQ(to_string(result.why), to_string(c.expected)) << result.message;
    if (c.expected != failure::none) {
      EXPECT_FALSE(result.message.empty());
      EXPECT_EQ(result.message.find("evil"), std::string::npos);
    }
  }
  std::string deep(2000, '[');
  EXPECT_EQ(check(join(b64(deep), b64(claims()), b64("sig")), *keys).why, failure::bad_header);
}

TEST(AuthVerifyJws, AlgNoneIsRefused) {
  const auto keys = all_keys();
  const auto single = keys_of({key_for(algorithm::hs256).generated.public_jwk_json});
  const auto h = b64(R"({"alg":"none"})"), p = b64(claims());
  EXPECT_EQ(check(h + "." + p + ".", *keys).why, failure::malformed);
  EXPECT_EQ(check(h + "." + p + ".", *single).why, failure::malformed);
  EXPECT_EQ(check(h + "." + p + "." + b64("anything"), *single).why, failure::unsupported_alg);
  EXPECT_EQ(check(b64(R"({"alg":"none","kid":"hs"})") + "." + p + "." + b64("x"), *keys).why, failure::unsupported_alg);
}

TEST(AuthVerifyJws, TamperingBreaksTheSignature) {
  const auto keys = all_keys();
  for (const auto a : all_algorithms()) {
    const auto& key = key_for(a);
    SCOPED_TRACE(key.kid);
    const auto good = sign_token(*key.priv, key.kid, claims());
    const auto h = part(good, 0), p = part(good, 1), s = part(good, 2);
    // Same meaning, different bytes: the signature covers the text as sent.
    const auto header2 = b64("{\"alg\":\"" + std::string(to_string(a)) + "\",\"typ\":\"JWT\",\"kid\":\"" + key.kid + "\" }");
    EXPECT_EQ(check(join(header2, p, s), *keys).why, failure::bad_signature);
    auto payload = *base64url_decode(p);
    payload.replace(payload.find("alice"), 5, "mallory");
    EXPECT_EQ(check(join(h, b64(payload), s), *keys).why, failure::bad_signature);
    auto sig = *base64url_decode(s);
    sig[sig.size() / 2] = static_cast<char>(sig[sig.size() / 2] ^ 0x10);
    EXPECT_EQ(check(join(h, p, b64(sig)), *keys).why, failure::bad_signature);
    EXPECT_EQ(check(join(h, p, b64(sig.substr(0, sig.size() - 1))), *keys).why, failure::bad_signature);
    // A valid token signed by another key of the same algorithm.
    auto other = generate_key(a, key.kid);
    std::string error;
    auto other_priv = parse_signing_key(other.private_text, error);
    ASSERT_TRUE(other_priv) << error;
    const auto forged = check(sign_token(*other_priv, key.kid, claims()), *keys);
    EXPECT_EQ(forged.why, failure::bad_signature);
    EXPECT_EQ(forged.message, "signature does not verify");
  }
}

TEST(AuthVerifyJws, SurvivesRandomMutations) {
  const auto keys = all_keys();
  const auto good = sign_token(*key_for(algorithm::es256).priv, "es", claims(",\"room\":\"r\""));
  const std::string alphabet = "AZaz09-_.=+/ \"{}\\";
  std::mt19937 rng(12345);
  for (int i = 0; i < 3000; ++i) {
    std::string token = good;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const auto at_pos = rng() % token.size();
      switch (rng() % 3) {
        case 0: token[at_pos] = alphabet[rng() % alphabet.size()]; break;
        case 1: token.erase(at_pos, 1); break;
        default: token.resize(at_pos); break;
      }
      if (token.empty()) break;
    }
    verify_result result;
    ASSERT_NO_THROW(result = check(token, *keys));
    // Only the untouched token (an edit may put back the same character) verifies.
    if (result.id) {
      EXPECT_EQ(token, good);
    } else {
      EXPECT_FALSE(result.message.empty());
    }
  }
}

}  // namespace
}  // namespace switchboard::auth
