// The JWS layer of verify.hpp: compact form, header, key choice, signature.

#include "signaling/auth/base64url.hpp"
#include "signaling/auth/json_strict.hpp"
#include "signaling/auth/verifier.hpp"
#include "signaling/auth/verify.hpp"

#include <algorithm>
#include <cctype>

namespace switchboard::auth {
namespace {

namespace json = boost::json;

// Header parameters that would let a token bring its own key or demand
// processing we do not do (RFC 7515 section 4.1.11).
constexpr std::string_view refused_params[] = {"crit", "jku", "jwk", "x5u", "x5c"};

struct parts {
  std::string_view header, payload, signature;
};

bool split(std::string_view token, parts& out) {
  const auto first = token.find('.');
  if (first == std::string_view::npos) return false;
  const auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) return false;
  out = {token.substr(0, first), token.substr(first + 1, second - first - 1), token.substr(second + 1)};
  return !out.header.empty() && !out.payload.empty() && !out.signature.empty();
}

jws_result fail(failure why, std::string message) { return {std::nullopt, why, std::move(message), {}}; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

struct header_info {
  algorithm alg{};
  std::optional<std::string> kid;
};

// Checks the decoded header; on failure returns the result to report.
std::optional<jws_result> read_header(std::string_view text, header_info& out) {
  std::string error;
  const auto header = parse_object_strict(text, error);
  if (!header) return fail(failure::bad_header, "token header: " + error);
  for (const auto name : refused_params) {
    if (header->contains(json::string_view(name.data(), name.size()))) {
      return fail(failure::bad_header, "token header has \"" + std::string(name) +
                                           "\", which is refused (keys come only from the JWKS; no extensions)");
    }
  }
  const auto* typ = header->if_contains("typ");
  if (typ && !(typ->is_string() && iequals(sv(typ->get_string()), "JWT"))) {
    return fail(failure::bad_header, "token header \"typ\" is not \"JWT\"");
  }
  const auto* kid = header->if_contains("kid");
  if (kid && !(kid->is_string() && !kid->get_string().empty())) {
    return fail(failure::bad_header, "token header \"kid\" is not a non-empty string");
  }
  if (kid) out.kid = std::string(kid->get_string());
  const auto* alg = header->if_contains("alg");
  if (!alg || !alg->is_string()) return fail(failure::bad_header, "token header has no \"alg\" string");
  const auto name = sv(alg->get_string());
  if (name == "none") return fail(failure::unsupported_alg, "unsigned tokens (alg \"none\") are refused");
  const auto known = algorithm_from_name(name);
  if (!known) return fail(failure::unsupported_alg, "token alg is not one of EdDSA, ES256, RS256, HS256");
  out.alg = *known;
  return std::nullopt;
}

// The key the header designates, or the result to report.
const jwk_entry* select_key(const key_set& keys, const header_info& h, jws_result& failed) {
  if (h.kid) {
    const auto* entry = keys.find(*h.kid);
    if (!entry) failed = fail(failure::unknown_key, "no key with this kid (rotate your backend or reload the JWKS)");
    return entry;
  }
  if (keys.size() == 1) return &keys.entries().front();
  failed = fail(failure::kid_required, "token has no \"kid\" and the JWKS holds " + std::to_string(keys.size()) +
                                           " keys; put the key's kid in the header");
  return nullptr;
}

}  // namespace

jws_result verify_jws(std::string_view token, const key_set& keys, std::size_t max_token_bytes) {
  if (token.size() > max_token_bytes) {
    return fail(failure::oversize, "token is " + std::to_string(token.size()) + " bytes; at most " +
                                       std::to_string(max_token_bytes) + " are accepted");
  }
  parts p;
  if (!split(token, p)) return fail(failure::malformed, "token is not three non-empty parts separated by dots");
  const auto header_text = base64url_decode(p.header);
  auto payload = base64url_decode(p.payload);
  const auto signature = base64url_decode(p.signature);
  if (!header_text || !payload || !signature) {
    return fail(failure::malformed, std::string("token ") + (!header_text ? "header" : !payload ? "payload" : "signature") +
                                        " is not valid unpadded base64url");
  }
  header_info h;
  if (auto bad = read_header(*header_text, h)) return std::move(*bad);
  jws_result failed;
  const auto* entry = select_key(keys, h, failed);
  if (!entry) return failed;
  if (h.alg != entry->alg) {
    return fail(failure::alg_mismatch, "token alg " + std::string(to_string(h.alg)) + " does not match the key's alg " +
                                           std::string(to_string(entry->alg)));
  }
  if (entry->alg == algorithm::es256 && signature->size() != 64) {
    return fail(failure::bad_signature, "ES256 signature is not the 64-byte R||S form");
  }
  // The signed text is the header and payload exactly as sent (RFC 7515 section 5.2).
  const auto signing_input = token.substr(0, p.header.size() + 1 + p.payload.size());
  if (!entry->key->verify(signing_input, *signature)) {
    return fail(failure::bad_signature, "signature does not verify");
  }
  return {std::move(payload), failure::none, {}, entry->kid};
}

jws_result verify_jws(std::string_view token, const key_set& keys) {
  return verify_jws(token, keys, verify_options{}.max_token_bytes);
}

}  // namespace switchboard::auth
