// The claims layer of verify.hpp, run only after the signature verified.

#include "signaling/auth/json_strict.hpp"
#include "signaling/auth/text_util.hpp"
#include "signaling/auth/verify.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace switchboard::auth {
namespace {

namespace json = boost::json;
using std::int64_t;

// NumericDates are clamped to about +-272 years around 1970: inside what
// system_clock can hold, and far enough that comparisons stay correct.
constexpr int64_t date_limit = int64_t{1} << 33;

int64_t clamp_date(int64_t s) { return std::clamp(s, -date_limit, date_limit); }

// A NumericDate (RFC 7519 section 2): any JSON number; fractions truncated.
std::optional<int64_t> numeric_date(const json::value& v) {
  if (v.is_int64()) return clamp_date(v.get_int64());
  if (v.is_uint64()) return clamp_date(static_cast<int64_t>(std::min<std::uint64_t>(v.get_uint64(), date_limit)));
  if (v.is_double()) {
    // Boost.JSON 1.81 reads a zero with a huge exponent (0e400) as NaN: not a date
    // (cast to an integer it would lift the lifetime cap; found by fuzz_jwt).
    if (std::isnan(v.get_double())) return std::nullopt;
    const double d = std::clamp(std::trunc(v.get_double()), -double(date_limit), double(date_limit));
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

struct claims {
  int64_t exp = 0;
  std::optional<int64_t> nbf, iat;
  std::string sub;
  std::optional<std::string> room, iss;
  std::optional<std::vector<std::string>> aud;
};

verify_result fail(failure why, std::string message) { return {std::nullopt, why, std::move(message)}; }

// Optional date member: false (with `out` untouched) when present but not a number.
bool read_date(const json::object& o, const char* name, std::optional<int64_t>& out) {
  const auto* v = o.if_contains(name);
  if (!v) return true;
  out = numeric_date(*v);
  return out.has_value();
}

bool read_string(const json::object& o, const char* name, std::optional<std::string>& out) {
  const auto* v = o.if_contains(name);
  if (!v) return true;
  if (!v->is_string()) return false;
  out = std::string(sv(v->get_string()));
  return true;
}

bool read_audience(const json::object& o, std::optional<std::vector<std::string>>& out) {
  const auto* v = o.if_contains("aud");
  if (!v) return true;
  out.emplace();
  if (v->is_string()) {
    out->emplace_back(sv(v->get_string()));
    return true;
  }
  if (!v->is_array()) return false;
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) return false;
    out->emplace_back(sv(item.get_string()));
  }
  return true;
}

// Types and presence; the result to report on failure.
std::optional<verify_result> read_claims(std::string_view payload, claims& c) {
  std::string error;
  const auto o = parse_object_strict(payload, error);
  if (!o) return fail(failure::bad_claims, "token claims: " + error);
  std::optional<int64_t> exp;
  std::optional<std::string> sub;
  if (!read_date(*o, "exp", exp)) return fail(failure::bad_claims, "\"exp\" is not a number");
  if (!read_date(*o, "nbf", c.nbf)) return fail(failure::bad_claims, "\"nbf\" is not a number");
  if (!read_date(*o, "iat", c.iat)) return fail(failure::bad_claims, "\"iat\" is not a number");
  if (!read_string(*o, "sub", sub)) return fail(failure::bad_claims, "\"sub\" is not a string");
  if (!read_string(*o, "iss", c.iss)) return fail(failure::bad_claims, "\"iss\" is not a string");
  if (!read_string(*o, "room", c.room)) return fail(failure::bad_claims, "\"room\" is not a string");
  if (!read_audience(*o, c.aud)) return fail(failure::bad_claims, "\"aud\" is not a string or an array of strings");
  if (!exp) return fail(failure::missing_claim, "token has no \"exp\" (expiry)");
  if (!sub) return fail(failure::missing_claim, "token has no \"sub\" (subject)");
  if (sub->empty()) return fail(failure::bad_claims, "\"sub\" is empty");
  c.exp = *exp;
  c.sub = std::move(*sub);
  return std::nullopt;
}

std::optional<verify_result> check_time(const claims& c, const verify_options& opt, int64_t now) {
  const int64_t leeway = std::clamp<int64_t>(opt.leeway.count(), 0, date_limit);
  if (now > c.exp + leeway) return fail(failure::expired, "token expired " + short_duration(now - c.exp) + " ago");
  if (c.nbf && now < *c.nbf - leeway) {
    return fail(failure::not_yet_valid, "token not valid for " + short_duration(*c.nbf - now) + " yet");
  }
  if (c.iat && *c.iat > now + leeway) {
    return fail(failure::issued_in_future,
                "token issued " + short_duration(*c.iat - now) + " in the future (check the clocks)");
  }
  return std::nullopt;
}

std::optional<verify_result> check_scope(const claims& c, const verify_options& opt, int64_t now) {
  const auto expected = quoted_printable(opt.audience);
  if (!c.aud) return fail(failure::wrong_audience, "token has no audience (\"aud\"); expected " + expected);
  if (std::find(c.aud->begin(), c.aud->end(), opt.audience) == c.aud->end()) {
    return fail(failure::wrong_audience, "audience does not include " + expected);
  }
  if (!opt.issuers.empty()) {
    if (!c.iss) return fail(failure::wrong_issuer, "token has no issuer (\"iss\")");
    if (std::find(opt.issuers.begin(), opt.issuers.end(), *c.iss) == opt.issuers.end()) {
      return fail(failure::wrong_issuer, "issuer is not one of the accepted issuers");
    }
  }
  const int64_t max_lifetime = std::clamp<int64_t>(opt.max_lifetime.count(), 0, 4 * date_limit);
  const int64_t lifetime = c.exp - c.iat.value_or(now);
  if (lifetime > max_lifetime) {
    // In seconds unless whole minutes: a rounded form could hide the excess ("60m exceeds 1h").
    const bool exact = lifetime % 60 == 0;
    return fail(failure::lifetime_too_long,
                "token lifetime " + (exact ? short_duration(lifetime) : std::to_string(lifetime) + "s") +
                    " exceeds the maximum " + short_duration(max_lifetime));
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(failure f) noexcept {
  switch (f) {
    case failure::none: return "none";
    case failure::oversize: return "oversize";
    case failure::malformed: return "malformed";
    case failure::bad_header: return "bad_header";
    case failure::unsupported_alg: return "unsupported_alg";
    case failure::alg_mismatch: return "alg_mismatch";
    case failure::kid_required: return "kid_required";
    case failure::unknown_key: return "unknown_key";
    case failure::bad_signature: return "bad_signature";
    case failure::bad_claims: return "bad_claims";
    case failure::missing_claim: return "missing_claim";
    case failure::expired: return "expired";
    case failure::not_yet_valid: return "not_yet_valid";
    case failure::issued_in_future: return "issued_in_future";
    case failure::wrong_audience: return "wrong_audience";
    case failure::wrong_issuer: return "wrong_issuer";
    case failure::lifetime_too_long: return "lifetime_too_long";
  }
  return "unknown";
}

verify_result verify(std::string_view token, const key_set& keys, const verify_options& opt,
                     std::chrono::system_clock::time_point now) {
  auto jws = verify_jws(token, keys, opt.max_token_bytes);
  if (!jws.payload) return fail(jws.why, std::move(jws.message));
  claims c;
  if (auto bad = read_claims(*jws.payload, c)) return std::move(*bad);
  const int64_t now_s = clamp_date(std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count());
  if (auto bad = check_time(c, opt, now_s)) return std::move(*bad);
  if (auto bad = check_scope(c, opt, now_s)) return std::move(*bad);
  identity id{std::move(c.sub), std::move(c.room), c.iss.value_or(""), std::move(jws.key_id),
              std::chrono::system_clock::time_point{std::chrono::seconds{c.exp}}};
  return {std::move(id), failure::none, {}};
}

}  // namespace switchboard::auth
