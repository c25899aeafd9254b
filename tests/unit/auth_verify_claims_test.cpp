// verify(): the claims rules, one table of tokens minted with sign_token.

#include "auth_test_util.hpp"

namespace switchboard::auth {
namespace {

using namespace test;

struct claims_case {
  const char* name;
  std::string claims_json;
  failure expected;
  std::vector<std::string> issuers = {};
};

std::string with(long long iat, long long exp, const std::string& extra = "") {
  return "{\"sub\":\"alice\",\"aud\":\"switchboard\",\"iat\":" + std::to_string(iat) + ",\"exp\":" +
         std::to_string(exp) + extra + "}";
}

std::string exp_only(long long exp, const std::string& extra = "") {
  return "{\"sub\":\"alice\",\"aud\":\"switchboard\",\"exp\":" + std::to_string(exp) + extra + "}";
}

std::vector<claims_case> cases() {
  const auto T = t0;
  return {
      {"valid", claims(), failure::none},
      {"valid with room", claims(",\"room\":\"lobby\""), failure::none},
      {"aud array", "{\"sub\":\"a\",\"aud\":[\"x\",\"switchboard\"],\"exp\":" + std::to_string(T + 60) + "}", failure::none},
      {"fractional exp", "{\"sub\":\"a\",\"aud\":\"switchboard\",\"exp\":" + std::to_string(T + 60) + ".9}", failure::none},
      {"unknown claims ignored", claims(",\"scope\":[1,2],\"x\":{\"y\":null}"), failure::none},
      // exp with 60 s leeway: valid through exp + 60 inclusive.
      {"expired at exp+leeway edge", with(T - 600, T - 60), failure::none},
      {"expired one second past", with(T - 600, T - 61), failure::expired},
      {"expired long ago", with(T - 9000, T - 7200), failure::expired},
      {"nbf at edge", with(T, T + 300, ",\"nbf\":" + std::to_string(T + 60)), failure::none},
      {"nbf one second early", with(T, T + 300, ",\"nbf\":" + std::to_string(T + 61)), failure::not_yet_valid},
      {"iat at edge", with(T + 60, T + 300), failure::none},
      {"iat in the future", with(T + 61, T + 300), failure::issued_in_future},
      {"wrong audience", "{\"sub\":\"a\",\"aud\":\"other-aud-marker\",\"exp\":" + std::to_string(T + 60) + "}",
       failure::wrong_audience},
      {"wrong audience array", "{\"sub\":\"a\",\"aud\":[\"other-aud-marker\",\"Switchboard\"],\"exp\":" +
                                   std::to_string(T + 60) + "}",
       failure::wrong_audience},
      {"empty audience array", "{\"sub\":\"a\",\"aud\":[],\"exp\":" + std::to_string(T + 60) + "}", failure::wrong_audience},
      {"missing audience", "{\"sub\":\"a\",\"exp\":" + std::to_string(T + 60) + "}", failure::wrong_audience},
      {"audience not a string", "{\"sub\":\"a\",\"aud\":7,\"exp\":" + std::to_string(T + 60) + "}", failure::bad_claims},
      {"audience array of non-strings", "{\"sub\":\"a\",\"aud\":[\"switchboard\",7],\"exp\":" + std::to_string(T + 60) + "}",
       failure::bad_claims},
      {"issuer accepted", claims(",\"iss\":\"https://idp.example\""), failure::none, {"x", "https://idp.example"}},
      {"wrong issuer", claims(",\"iss\":\"https://evil-marker.example\""), failure::wrong_issuer, {"https://idp.example"}},
      {"missing issuer", claims(), failure::wrong_issuer, {"https://idp.example"}},
      {"issuer ignored when none configured", claims(",\"iss\":\"anyone\""), failure::none},
      {"issuer not a string", claims(",\"iss\":1"), failure::bad_claims},
      {"missing exp", "{\"sub\":\"a\",\"aud\":\"switchboard\"}", failure::missing_claim},
      {"missing sub", "{\"aud\":\"switchboard\",\"exp\":" + std::to_string(T + 60) + "}", failure::missing_claim},
      {"empty sub", "{\"sub\":\"\",\"aud\":\"switchboard\",\"exp\":" + std::to_string(T + 60) + "}", failure::bad_claims},
      {"sub not a string", "{\"sub\":42,\"aud\":\"switchboard\",\"exp\":" + std::to_string(T + 60) + "}", failure::bad_claims},
      {"exp a string", "{\"sub\":\"a\",\"aud\":\"switchboard\",\"exp\":\"" + std::to_string(T + 60) + "\"}",
       failure::bad_claims},
      {"nbf not a number", claims(",\"nbf\":\"soon\""), failure::bad_claims},
      {"nbf null", claims(",\"nbf\":null"), failure::bad_claims},
      {"iat not a number", "{\"sub\":\"a\",\"aud\":\"switchboard\",\"iat\":true,\"exp\":" + std::to_string(T + 60) + "}",
       failure::bad_claims},
      {"room not a string", claims(",\"room\":5"), failure::bad_claims},
      {"room null", claims(",\"room\":null"), failure::bad_claims},
      {"duplicate claim", "{\"sub\":\"alice\",\"sub\":\"mallory\",\"aud\":\"switchboard\",\"exp\":" + std::to_string(T + 60) + "}",
       failure::bad_claims},
      {"nested duplicate claim", claims(",\"x\":{\"a\":1,\"a\":2}"), failure::bad_claims},
      {"claims an array", "[1,2]", failure::bad_claims},
      {"lifetime at max", with(T, T + 3600), failure::none},
      {"lifetime over max", with(T, T + 3601), failure::lifetime_too_long},
      {"lifetime over max from an old iat", with(T - 3000, T + 700), failure::lifetime_too_long},
      {"lifetime without iat at max", exp_only(T + 3600), failure::none},
      {"lifetime without iat over max", exp_only(T + 3601), failure::lifetime_too_long},
      {"huge exp", "{\"sub\":\"a\",\"aud\":\"switchboard\",\"exp\":1e300}", failure::lifetime_too_long},
      // Boost.JSON reads 0e400 as NaN; as an iat it once lifted the lifetime cap (fuzz_jwt).
      {"NaN iat", "{\"sub\":\"a\",\"aud\":\"switchboard\",\"iat\":0e400,\"exp\":1e300}", failure::bad_claims},
      {"NaN exp", "{\"sub\":\"a\",\"aud\":\"switchboard\",\"exp\":0e400}", failure::bad_claims},
      {"uint64 exp", "{\"sub\":\"a\",\"aud\":\"switchboard\",\"exp\":18446744073709551615}", failure::lifetime_too_long},
      {"huge integer exp", "{\"sub\":\"a\",\"aud\":\"switchboard\",\"exp\":99999999999999999999999}",
       failure::lifetime_too_long},
      {"negative exp", exp_only(-5), failure::expired},
  };
}

TEST(AuthVerifyClaims, Table) {
  const auto keys = all_keys();
  const auto& key = key_for(algorithm::eddsa);
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    verify_options opt;
    opt.issuers = c.issuers;
    // sign_jws, not sign_token: the latter refuses duplicate claims itself.
    const auto token = sign_jws(*key.priv, R"({"alg":"EdDSA","typ":"JWT","kid":"ed"})", c.claims_json);
    const auto result = verify(token, *keys, opt, at(t0));
    EXPECT_EQ(to_string(result.why), to_string(c.expected)) << result.message;
    EXPECT_EQ(result.id.has_value(), c.expected == failure::none);
    if (c.expected == failure::none) continue;
    EXPECT_FALSE(result.message.empty());
    // No claim value from the token and no piece of the token in the message.
    const auto sig = token.substr(token.rfind('.') + 1);
    for (const std::string& secret : {std::string("marker"), std::string("mallory"), token.substr(0, 12), sig.substr(0, 12)}) {
      EXPECT_EQ(result.message.find(secret), std::string::npos) << result.message;
    }
  }
}

TEST(AuthVerifyClaims, IdentityOnSuccess) {
  const auto keys = all_keys();
  for (const auto a : all_algorithms()) {
    const auto& key = key_for(a);
    SCOPED_TRACE(key.kid);
    verify_options opt;
    opt.issuers = {"https://idp.example"};
    const auto token = sign_token(*key.priv, key.kid, claims(",\"room\":\"lobby\",\"iss\":\"https://idp.example\""));
    const auto result = verify(token, *keys, opt, at(t0));
    ASSERT_TRUE(result.id) << result.message;
    EXPECT_EQ(result.why, failure::none);
    EXPECT_EQ(result.id->subject, "alice");
    EXPECT_EQ(result.id->room, "lobby");
    EXPECT_EQ(result.id->issuer, "https://idp.example");
    EXPECT_EQ(result.id->key_id, key.kid);
    EXPECT_EQ(result.id->expires, at(t0 + 300));
  }
}

TEST(AuthVerifyClaims, MessagesSayWhatIsWrong) {
  const auto keys = all_keys();
  const auto& key = key_for(algorithm::es256);
  const auto run = [&](const std::string& c, verify_options opt = {}) {
    return verify(sign_token(*key.priv, key.kid, c), *keys, opt, at(t0)).message;
  };
  EXPECT_EQ(run(with(t0 - 600, t0 - 120)), "token expired 2m ago");
  EXPECT_EQ(run(with(t0, t0 + 300, ",\"nbf\":" + std::to_string(t0 + 90))), "token not valid for 90s yet");
  EXPECT_EQ(run("{\"sub\":\"a\",\"aud\":\"x\",\"exp\":" + std::to_string(t0 + 60) + "}"),
            "audience does not include \"switchboard\"");
  EXPECT_NE(run("{\"sub\":\"a\",\"exp\":" + std::to_string(t0 + 60) + "}").find("no audience"), std::string::npos);
  EXPECT_EQ(run(with(t0, t0 + 7200)), "token lifetime 2h exceeds the maximum 1h");
  EXPECT_EQ(run(with(t0, t0 + 3650)), "token lifetime 3650s exceeds the maximum 1h");
}

TEST(AuthVerifyClaims, OptionsChangeTheLimits) {
  const auto keys = all_keys();
  const auto& key = key_for(algorithm::hs256);
  verify_options opt;
  opt.audience = "other";
  opt.leeway = std::chrono::seconds{0};
  opt.max_lifetime = std::chrono::seconds{86400};
  const auto token = sign_token(*key.priv, key.kid, "{\"sub\":\"a\",\"aud\":\"other\",\"exp\":" + std::to_string(t0 + 80000) + "}");
  EXPECT_TRUE(verify(token, *keys, opt, at(t0)).id);
  EXPECT_TRUE(verify(token, *keys, opt, at(t0 + 80000)).id);
  EXPECT_EQ(verify(token, *keys, opt, at(t0 + 80001)).why, failure::expired);
}

}  // namespace
}  // namespace switchboard::auth
