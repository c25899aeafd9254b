#include "signaling/auth/jwks.hpp"

#include "signaling/auth/base64url.hpp"
#include "signaling/auth/json_strict.hpp"
#include "signaling/auth/text_util.hpp"
#include "signaling/auth/verifier.hpp"

#include <algorithm>
#include <optional>
#include <set>

namespace switchboard::auth {
namespace {

namespace json = boost::json;

// Members that only a private key has (RFC 7518 sections 6.2.2 and 6.3.2).
constexpr std::string_view private_members[] = {"d", "p", "q", "dp", "dq", "qi", "oth"};

// Optional string member: nullopt when absent; `bad` set when not a string.
std::optional<std::string_view> string_member(const json::object& o, std::string_view name, bool& bad) {
  const auto* v = o.if_contains(json::string_view(name.data(), name.size()));
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    bad = true;
    return std::nullopt;
  }
  return sv(v->get_string());
}

// A required base64url member's bytes, or nullopt with `error` set.
std::optional<std::string> bytes_member(const json::object& jwk, std::string_view name, std::string& error) {
  bool bad = false;
  const auto text = string_member(jwk, name, bad);
  if (!text) {
    error = "\"" + std::string(name) + (bad ? "\" is not a string" : "\" is missing");
    return std::nullopt;
  }
  auto bytes = base64url_decode(*text);
  if (!bytes) error = "\"" + std::string(name) + "\" is not valid base64url";
  return bytes;
}

// The algorithm a key of this type must declare, or nullopt when unsupported.
std::optional<algorithm> expected_alg(std::string_view kty, std::optional<std::string_view> crv) {
  if (kty == "OKP" && crv == "Ed25519") return algorithm::eddsa;
  if (kty == "EC" && crv == "P-256") return algorithm::es256;
  if (kty == "RSA") return algorithm::rs256;
  if (kty == "oct") return algorithm::hs256;
  return std::nullopt;
}

bool check_use(const json::object& jwk, std::string& error) {
  bool bad = false;
  const auto use = string_member(jwk, "use", bad);
  if (bad || (use && *use != "sig")) {
    error = "\"use\" must be \"sig\"";
    return false;
  }
  const auto* ops = jwk.if_contains("key_ops");
  if (!ops) return true;
  const auto* arr = ops->if_array();
  const bool has_verify = arr && std::any_of(arr->begin(), arr->end(), [](const json::value& v) {
    return v.is_string() && v.get_string() == "verify";
  });
  if (!has_verify) error = "\"key_ops\" must be an array that includes \"verify\"";
  return has_verify;
}

std::unique_ptr<verifier> build(algorithm alg, const json::object& jwk, std::string& error) {
  if (alg != algorithm::hs256) {
    for (const auto name : private_members) {
      if (jwk.contains(json::string_view(name.data(), name.size()))) {
        error = "has the private member \"" + std::string(name) + "\": publish only the public key";
        return nullptr;
      }
    }
  }
  switch (alg) {
    case algorithm::eddsa: {
      const auto x = bytes_member(jwk, "x", error);
      return x ? verifier::ed25519(*x, error) : nullptr;
    }
    case algorithm::es256: {
      const auto x = bytes_member(jwk, "x", error);
      const auto y = x ? bytes_member(jwk, "y", error) : std::nullopt;
      return y ? verifier::p256(*x, *y, error) : nullptr;
    }
    case algorithm::rs256: {
      const auto n = bytes_member(jwk, "n", error);
      const auto e = n ? bytes_member(jwk, "e", error) : std::nullopt;
      return e ? verifier::rsa(*n, *e, error) : nullptr;
    }
    case algorithm::hs256: {
      const auto k = bytes_member(jwk, "k", error);
      return k ? verifier::hmac(*k, error) : nullptr;
    }
  }
  return nullptr;
}

// One JWK into `out`; false with `error` set (without the key's position).
bool parse_key(const json::object& jwk, jwk_entry& out, std::string& error) {
  bool bad = false;
  const auto kty = string_member(jwk, "kty", bad);
  const auto crv = string_member(jwk, "crv", bad);
  const auto alg = string_member(jwk, "alg", bad);
  if (bad || !kty) {
    error = "\"kty\", \"crv\" and \"alg\" must be strings and \"kty\" is required";
    return false;
  }
  const auto expected = expected_alg(*kty, crv);
  if (!expected) {
    error = "unsupported key type " + quoted_printable(*kty, 16) + (crv ? " with curve " + quoted_printable(*crv, 16) : "") +
            " (supported: OKP/Ed25519, EC/P-256, RSA, oct)";
    return false;
  }
  if (!alg) {
    error = "\"alg\" is missing (expected \"" + std::string(to_string(*expected)) + "\")";
    return false;
  }
  if (*alg != to_string(*expected)) {
    error = "\"alg\" " + quoted_printable(*alg, 16) + " does not match the key type (expected \"" +
            std::string(to_string(*expected)) + "\")";
    return false;
  }
  if (!check_use(jwk, error)) return false;
  auto key = build(*expected, jwk, error);
  if (!key) return false;
  out.alg = *expected;
  out.key = std::move(key);
  return true;
}

std::string describe(std::size_t index, const json::object* jwk) {
  std::string where = "key " + std::to_string(index);
  const auto* kid = jwk ? jwk->if_contains("kid") : nullptr;
  if (kid && kid->is_string()) return where + " (kid " + quoted_printable(sv(kid->get_string())) + ")";
  return where + " (no kid)";
}

}  // namespace

std::vector<std::string> key_set::kids() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back(e.kid);
  return out;
}

const jwk_entry* key_set::find(std::string_view kid) const noexcept {
  for (const auto& e : entries_) {
    if (e.kid == kid) return &e;
  }
  return nullptr;
}

jwks_result parse_jwks(std::string_view json_text) {
  std::string error;
  const auto doc = parse_object_strict(json_text, error);
  if (!doc) return {nullptr, "JWKS: " + error};
  const auto* keys = doc->if_contains("keys");
  if (!keys || !keys->is_array()) return {nullptr, "JWKS: must be an object with a \"keys\" array"};
  if (keys->get_array().empty()) return {nullptr, "JWKS: \"keys\" is empty"};
  std::vector<jwk_entry> entries;
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < keys->get_array().size(); ++i) {
    const auto* jwk = keys->get_array()[i].if_object();
    const auto where = describe(i, jwk);
    if (!jwk) return {nullptr, "JWKS: " + where + ": not an object"};
    jwk_entry entry;
    bool bad = false;
    const auto kid = string_member(*jwk, "kid", bad);
    if (bad || (kid && kid->empty())) return {nullptr, "JWKS: " + where + ": \"kid\" must be a non-empty string"};
    entry.kid = std::string(kid.value_or(""));
    if (!seen.insert(entry.kid).second) {
      return {nullptr, "JWKS: " + where + (kid ? ": the kid is used twice" : ": more than one key has no kid")};
    }
    if (!parse_key(*jwk, entry, error)) return {nullptr, "JWKS: " + where + ": " + error};
    entries.push_back(std::move(entry));
  }
  return {std::make_shared<const key_set>(std::move(entries)), {}};
}

}  // namespace switchboard::auth
