// The example tokens of RFC 7515 Appendix A.1-A.3 and RFC 8037 Appendix A.4
// verify through verify_jws, and stop verifying when one bit changes. The
// RFCs' JWKs carry no "alg", which parse_jwks requires: it is added here.

#include "auth_test_util.hpp"

namespace switchboard::auth {
namespace {

using test::keys_of;

const std::string rfc7515_payload_b64 =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
const std::string rfc7515_payload = "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";

struct vector_case {
  const char* name;
  std::string jwk;
  std::string token;
  std::string payload;
};

std::vector<vector_case> vectors() {
  return {
      {"RFC 7515 A.1 HS256",
       R"({"kty":"oct","alg":"HS256",
           "k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})",
       "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." + rfc7515_payload_b64 +
           ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
       rfc7515_payload},
      {"RFC 7515 A.2 RS256",
       R"({"kty":"RSA","alg":"RS256","e":"AQAB",
           "n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"})",
       "eyJhbGciOiJSUzI1NiJ9." + rfc7515_payload_b64 +
           ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
           "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
           "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
           "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
           "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
           "p0igcN_IoypGlUPQGe77Rw",
       rfc7515_payload},
      {"RFC 7515 A.3 ES256",
       R"({"kty":"EC","crv":"P-256","alg":"ES256",
           "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
           "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})",
       "eyJhbGciOiJFUzI1NiJ9." + rfc7515_payload_b64 +
           ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA"
           "pmWQxfKTUJqPP3-Kg6NU1Q",
       rfc7515_payload},
      {"RFC 8037 A.4 Ed25519",
       R"({"kty":"OKP","crv":"Ed25519","alg":"EdDSA","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
       "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
       "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg",
       "Example of Ed25519 signing"},
  };
}

// The token with one bit of the decoded part `part` (0 header, 1 payload,
// 2 signature) flipped at byte `at`, re-encoded.
std::string flip_bit(const std::string& token, int part, std::size_t at) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    const auto dot = token.find('.', start);
    parts.push_back(token.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    start = dot + 1;
  }
  auto bytes = *base64url_decode(parts[static_cast<std::size_t>(part)]);
  bytes[at % bytes.size()] = static_cast<char>(bytes[at % bytes.size()] ^ 0x01);
  parts[static_cast<std::size_t>(part)] = base64url_encode(bytes);
  return parts[0] + "." + parts[1] + "." + parts[2];
}

TEST(AuthRfcVectors, VerifyWithTheirKeys) {
  for (const auto& v : vectors()) {
    SCOPED_TRACE(v.name);
    const auto keys = keys_of({v.jwk});
    const auto result = verify_jws(v.token, *keys);
    ASSERT_TRUE(result.payload) << to_string(result.why) << ": " << result.message;
    EXPECT_EQ(*result.payload, v.payload);
    EXPECT_EQ(result.why, failure::none);
  }
}

TEST(AuthRfcVectors, FailWithOneBitFlipped) {
  for (const auto& v : vectors()) {
    SCOPED_TRACE(v.name);
    const auto keys = keys_of({v.jwk});
    for (const std::size_t at : {0u, 7u, 20u}) {
      EXPECT_EQ(verify_jws(flip_bit(v.token, 2, at), *keys).why, failure::bad_signature) << "signature byte " << at;
      EXPECT_EQ(verify_jws(flip_bit(v.token, 1, at), *keys).why, failure::bad_signature) << "payload byte " << at;
    }
  }
}

TEST(AuthRfcVectors, FailWithAnotherVectorsKey) {
  const auto all = vectors();
  // Same algorithm family never matches across vectors; a different key of
  // another type is an alg mismatch before any signature check.
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto keys = keys_of({all[(i + 1) % all.size()].jwk});
    EXPECT_EQ(verify_jws(all[i].token, *keys).why, failure::alg_mismatch) << all[i].name;
  }
}

}  // namespace
}  // namespace switchboard::auth
