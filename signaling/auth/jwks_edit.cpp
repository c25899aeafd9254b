// upsert_jwks (sign.hpp): edits a JWKS document for `switchboard auth keygen --jwks`.

#include "signaling/auth/json_strict.hpp"
#include "signaling/auth/jwks.hpp"
#include "signaling/auth/sign.hpp"

#include <boost/json/serialize.hpp>

namespace switchboard::auth {
namespace {

namespace json = boost::json;

// One member per line and one key per line: diffs of a JWKS under version
// control then show exactly which key changed.
std::string pretty(const json::object& doc) {
  std::string out = "{\n";
  std::size_t left = doc.size();
  for (const auto& member : doc) {
    out += "  " + json::serialize(json::value(member.key())) + ": ";
    if (member.key() == "keys" && member.value().is_array()) {
      const auto& keys = member.value().get_array();
      out += "[\n";
      for (std::size_t i = 0; i < keys.size(); ++i) {
        out += "    " + json::serialize(keys[i]) + (i + 1 < keys.size() ? ",\n" : "\n");
      }
      out += "  ]";
    } else {
      out += json::serialize(member.value());
    }
    out += --left > 0 ? ",\n" : "\n";
  }
  return out + "}\n";
}

std::optional<json::object> existing_document(std::string_view text, std::string& error) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object{{"keys", json::array{}}};
  auto doc = parse_object_strict(text, error);
  if (!doc) {
    error = "the JWKS document: " + error;
    return std::nullopt;
  }
  if (!doc->contains("keys")) (*doc)["keys"] = json::array{};
  if (!(*doc)["keys"].is_array()) {
    error = "the JWKS document's \"keys\" is not an array";
    return std::nullopt;
  }
  return doc;
}

}  // namespace

std::string upsert_jwks(std::string_view existing, std::string_view jwk_json, std::string& error) {
  auto jwk = parse_object_strict(jwk_json, error);
  if (!jwk) {
    error = "the new key: " + error;
    return {};
  }
  const auto* kid = jwk->if_contains("kid");
  if (!kid || !kid->is_string() || kid->get_string().empty()) {
    error = "the new key has no kid";
    return {};
  }
  auto doc = existing_document(existing, error);
  if (!doc) return {};
  auto& keys = (*doc)["keys"].get_array();
  bool replaced = false;
  for (auto& k : keys) {
    const auto* other = k.is_object() ? k.get_object().if_contains("kid") : nullptr;
    if (other && *other == *kid) {
      k = *jwk;
      replaced = true;
    }
  }
  if (!replaced) keys.push_back(*jwk);
  auto text = pretty(*doc);
  const auto check = parse_jwks(text);
  if (!check.keys) {
    error = check.error;
    return {};
  }
  return text;
}

}  // namespace switchboard::auth
