// The JWT verifier (signaling/auth) on what an attacker or an operator
// writes. The first byte picks what the input is:
//   'J'  a JWKS document for parse_jwks, then optionally NUL and a token
//        verified against the keys it gave;
//   'B'  text for base64url_decode / bytes for base64url_encode;
//   'S'  header JSON, newline, claims JSON (no newline: the claims under an
//        HS256 header), signed here with the HS256 key of the fixed set, so
//        the claims checks see every kind of payload with a valid signature;
//   else the whole input is a token, checked against the fixed key set.
// Every token, however made, must satisfy: verify() and verify_jws() never
// throw (nothing is caught); verify_jws() fails exactly when verify() fails
// for the same signature-layer reason with the same message; a success has a
// token of at most 8192 bytes, a header "alg" that is exactly one of the four
// and equal to the alg of the key the header designates, the kid of that key,
// a non-empty subject, the payload's sub/room/iss, an audience including
// "switchboard" and an exp within [now - leeway, now + max lifetime]; a
// failure message holds no 16 base64url characters in a row of the token
// (the server logs and echoes it: no token in logs).

#include "fuzz_check.hpp"
#include "signaling/auth/base64url.hpp"
#include "signaling/auth/jwks.hpp"
#include "signaling/auth/sign.hpp"
#include "signaling/auth/verify.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace {

namespace auth = switchboard::auth;
namespace json = boost::json;

// Public halves of keys made once with `switchboard auth keygen --alg A
// --kid fuzz-a` (the private keys were not kept; for HS256 the JWK is the
// secret, which mode 'S' signs with). The seeds in corpus/jwt/ are tokens
// signed with them.
constexpr std::string_view fixed_jwks = R"({"keys":[
{"kty":"OKP","crv":"Ed25519","x":"GXjdgIQcZUjQ1wnq3VfLz4wOUxWpWYi7B-npohkDnl8","kid":"fuzz-eddsa","alg":"EdDSA","use":"sig"},
{"kty":"EC","crv":"P-256","x":"HMXERsffxmp03FAncCMIiTH7knOyoISSxFxYbd_ZD5U","y":"RlZjHFJDw_vvNO3Kj_IDIjvhZFgkhouBd28lHlYHsqs","kid":"fuzz-es256","alg":"ES256","use":"sig"},
{"kty":"RSA","n":"m5xNEFVznxJ4PAfppNe12aD7WKMjK3NRbHsWGkZxNekceJOqUp73knrRZglA7J4jcBGlagVN0obPBYzRq3nv5H0gM9BoxiG9zv7aD_YSbSGJWD07XUPkKTd2visb91cVws47RDg6Gk3MZWleTLZzNJuAs4VaY0N_a26ULOBx62K6JNglVuTLfRe6E4kqL5Lo_Zx_bA7Pb1FYTOkH0nyK12GmksEtpzlEhERynnU6axX65z9WTWQSPfrRS1NiXqRGQ_Joyivrh7EfzhXYTD-Q96jn68iYLh6h7KKtMRuhXujO903Q4xMNzwWntup51x0_z3253t2xh99pMzj4hC9yCw","e":"AQAB","kid":"fuzz-rs256","alg":"RS256","use":"sig"},
{"kty":"oct","k":"yEoWldGKTrfsQoy24tI3sHfVFUUUMXJx4XvYxV6D2x4","kid":"fuzz-hs256","alg":"HS256","use":"sig"}
]})";

// The seeds were issued at 1796105495 for 30 minutes: `now` is 10 minutes
// later, so they are valid and the fuzzer starts from accepted tokens.
constexpr std::int64_t now_s = 1796106095;
const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{now_s}};
constexpr std::string_view trusted_issuer = "https://backend.example";  // the RS256 seed's iss

const auth::key_set& fixed_keys() {
  static const auto keys = auth::parse_jwks(fixed_jwks).keys;
  FUZZ_CHECK(keys && keys->size() == 4);
  return *keys;
}

const auth::signing_key& hs256_signer() {
  static const auto key = [] {
    const auto document = json::parse(fixed_jwks);
    for (const auto& jwk : document.at("keys").as_array()) {
      if (jwk.at("alg").as_string() != "HS256") continue;
      std::string error;
      auto parsed = auth::parse_signing_key(json::serialize(jwk), error);
      FUZZ_CHECK(parsed != nullptr);
      return parsed;
    }
    return std::unique_ptr<auth::signing_key>();
  }();
  FUZZ_CHECK(key != nullptr);
  return *key;
}

bool base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// No 16 base64url characters of the token, in a row, in what may be logged.
void check_no_token_in(std::string_view message, std::string_view token) {
  constexpr std::size_t window = 16;
  for (std::size_t i = 0; i + window <= message.size(); ++i) {
    const auto piece = message.substr(i, window);
    if (!std::all_of(piece.begin(), piece.end(), base64url_char)) continue;
    FUZZ_CHECK(token.find(piece) == std::string_view::npos);
  }
}

bool claims_failure(auth::failure f) {
  using auth::failure;
  return f == failure::bad_claims || f == failure::missing_claim || f == failure::expired ||
         f == failure::not_yet_valid || f == failure::issued_in_future || f == failure::wrong_audience ||
         f == failure::wrong_issuer || f == failure::lifetime_too_long;
}

// The token's three dot-separated parts (checked by the caller to exist).
std::array<std::string_view, 3> parts_of(std::string_view token) {
  const auto a = token.find('.');
  const auto b = token.find('.', a + 1);
  return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

// A verified signature: judged again here, from the token alone.
void check_signature_layer(std::string_view token, const auth::key_set& keys, const auth::jws_result& jws) {
  FUZZ_CHECK(token.size() <= 8192);
  FUZZ_CHECK(std::count(token.begin(), token.end(), '.') == 2);
  const auto [header_part, payload_part, signature_part] = parts_of(token);
  FUZZ_CHECK(auth::base64url_decode(payload_part) == jws.payload);
  const auto header_text = auth::base64url_decode(header_part);
  FUZZ_CHECK(header_text && auth::base64url_decode(signature_part));
  boost::system::error_code ec;
  const auto header = json::parse(*header_text, ec);
  FUZZ_CHECK(!ec && header.is_object());
  const auto* alg = header.get_object().if_contains("alg");
  FUZZ_CHECK(alg && alg->is_string());
  const std::string_view name = alg->get_string();
  FUZZ_CHECK(name == "EdDSA" || name == "ES256" || name == "RS256" || name == "HS256");
  const auth::jwk_entry* chosen = nullptr;
  if (const auto* kid = header.get_object().if_contains("kid")) {
    FUZZ_CHECK(kid->is_string());
    for (const auto& e : keys.entries()) {
      if (e.kid == std::string_view(kid->get_string())) chosen = &e;
    }
  } else if (keys.size() == 1) {
    chosen = &keys.entries().front();
  }
  FUZZ_CHECK(chosen != nullptr);
  FUZZ_CHECK(auth::to_string(chosen->alg) == name);
  FUZZ_CHECK(jws.key_id == chosen->kid);
}

std::optional<std::string> string_claim(const json::object& claims, std::string_view name) {
  const auto* v = claims.if_contains(name);
  if (!v) return std::nullopt;
  FUZZ_CHECK(v->is_string());
  return std::string(v->get_string());
}

// An accepted identity against the payload it came from.
void check_identity(const auth::identity& id, std::string_view token, const auth::key_set& keys,
                    const auth::jws_result& jws) {
  FUZZ_CHECK(!id.subject.empty() && id.key_id == jws.key_id);
  boost::system::error_code ec;
  const auto payload = json::parse(*jws.payload, ec);
  FUZZ_CHECK(!ec && payload.is_object());
  const auto& claims = payload.get_object();
  FUZZ_CHECK(string_claim(claims, "sub") == id.subject);
  FUZZ_CHECK(string_claim(claims, "room") == id.room);
  FUZZ_CHECK(string_claim(claims, "iss").value_or("") == id.issuer);
  const auto* aud = claims.if_contains("aud");
  const json::value audience("switchboard");
  FUZZ_CHECK(aud && (*aud == audience ||
                     (aud->is_array() && std::count(aud->as_array().begin(), aud->as_array().end(), audience) > 0)));
  const auto* exp = claims.if_contains("exp");
  FUZZ_CHECK(exp && exp->is_number());
  const double exp_s = std::trunc(exp->to_number<double>());
  FUZZ_CHECK(exp_s >= double(now_s - 60) && exp_s <= double(now_s + 3600));
  FUZZ_CHECK(id.expires == std::chrono::system_clock::time_point{std::chrono::seconds{std::int64_t(exp_s)}});
  // With an issuer list, the same token passes exactly when its iss is listed.
  auth::verify_options only_trusted;
  only_trusted.issuers = {std::string(trusted_issuer)};
  FUZZ_CHECK(auth::verify(token, keys, only_trusted, now).id.has_value() == (id.issuer == trusted_issuer));
}

void check_token(std::string_view token, const auth::key_set& keys) {
  const auto jws = auth::verify_jws(token, keys);
  const auto res = auth::verify(token, keys, auth::verify_options{}, now);
  FUZZ_CHECK(jws.payload.has_value() == (jws.why == auth::failure::none));
  FUZZ_CHECK(res.id.has_value() == (res.why == auth::failure::none));
  FUZZ_CHECK(res.id.has_value() == res.message.empty() && jws.payload.has_value() == jws.message.empty());
  FUZZ_CHECK(token.size() <= 8192 || jws.why == auth::failure::oversize);
  check_no_token_in(jws.message, token);
  check_no_token_in(res.message, token);
  if (!jws.payload) {
    FUZZ_CHECK(!claims_failure(jws.why));
    FUZZ_CHECK(res.why == jws.why && res.message == jws.message);
    return;
  }
  check_signature_layer(token, keys, jws);
  FUZZ_CHECK(res.id || claims_failure(res.why));
  if (res.id) check_identity(*res.id, token, keys, jws);
}

void check_jwks(std::string_view input) {
  const auto nul = input.find('\0');
  const auto parsed = auth::parse_jwks(input.substr(0, nul));
  FUZZ_CHECK((parsed.keys != nullptr) == parsed.error.empty());
  if (!parsed.keys) return;
  FUZZ_CHECK(parsed.keys->size() > 0);
  std::set<std::string> kids;
  for (const auto& e : parsed.keys->entries()) {
    FUZZ_CHECK(e.key != nullptr && kids.insert(e.kid).second);
  }
  if (nul != std::string_view::npos) check_token(input.substr(nul + 1), *parsed.keys);
}

void check_base64url(std::string_view input) {
  FUZZ_CHECK(auth::base64url_decode(auth::base64url_encode(input)) == input);
  const auto decoded = auth::base64url_decode(input);
  if (!decoded) return;
  // Strict decoding: one text per byte string, so encoding gives the input back.
  FUZZ_CHECK(auth::base64url_encode(*decoded) == input);
  FUZZ_CHECK(auth::base64url_decode(auth::base64url_encode(*decoded)) == decoded);
}

void check_signed(std::string_view input) {
  const auto newline = input.find('\n');
  const bool own_header = newline != std::string_view::npos;
  const std::string_view header = own_header ? input.substr(0, newline) : R"({"alg":"HS256","kid":"fuzz-hs256"})";
  const auto claims = own_header ? input.substr(newline + 1) : input;
  check_token(auth::sign_jws(hs256_signer(), header, claims), fixed_keys());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const auto text = switchboard::fuzz::as_text(bytes, size);
  const char mode = text.empty() ? '\0' : text.front();
  switch (mode) {
    case 'J': check_jwks(text.substr(1)); break;
    case 'B': check_base64url(text.substr(1)); break;
    case 'S': check_signed(text.substr(1)); break;
    default: check_token(text, fixed_keys()); break;
  }
  return 0;
}
