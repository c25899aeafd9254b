#include "signaling/auth/sign.hpp"

#include "signaling/auth/base64url.hpp"
#include "signaling/auth/json_strict.hpp"
#include "signaling/auth/openssl_ptr.hpp"

#include <boost/json/serialize.hpp>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace switchboard::auth {
namespace {

namespace json = boost::json;

constexpr std::size_t max_key_file_bytes = 1 << 20;

// Never prompt on the terminal for a passphrase: encrypted keys just fail.
int no_passphrase(char*, int, int, void*) { return -1; }

std::unique_ptr<signing_key> parse_oct_jwk(std::string_view text, std::string& error) {
  const auto jwk = parse_object_strict(text, error);
  if (!jwk) return nullptr;
  const auto* kty = jwk->if_contains("kty");
  const auto* alg = jwk->if_contains("alg");
  const auto* k = jwk->if_contains("k");
  const auto is = [](const json::value* v, std::string_view want) { return v && v->is_string() && sv(v->get_string()) == want; };
  if (!is(kty, "oct") || !is(alg, "HS256") || !k || !k->is_string()) {
    error = "a JSON key must be {\"kty\":\"oct\",\"alg\":\"HS256\",\"k\":...}";
    return nullptr;
  }
  auto secret = base64url_decode(sv(k->get_string()));
  if (!secret || secret->size() < 32) {
    error = "\"k\" must be base64url of at least 32 bytes";
    return nullptr;
  }
  auto key = std::make_unique<signing_key>();
  key->alg = algorithm::hs256;
  key->secret = std::move(*secret);
  return key;
}

// Which JWS algorithm this private key is for, or nullopt with `error` set.
std::optional<algorithm> pkey_algorithm(EVP_PKEY* pkey, std::string& error) {
  if (EVP_PKEY_is_a(pkey, "ED25519")) return algorithm::eddsa;
  if (EVP_PKEY_is_a(pkey, "EC")) {
    std::array<char, 64> group{};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &len) == 1 &&
        std::string_view(group.data(), len) == "prime256v1") {
      return algorithm::es256;
    }
    error = "EC keys must be on curve P-256";
    return std::nullopt;
  }
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    if (EVP_PKEY_get_bits(pkey) >= 2048) return algorithm::rs256;
    error = "RSA keys must have at least 2048 bits";
    return std::nullopt;
  }
  error = "unsupported key type (use Ed25519, P-256 or RSA)";
  return std::nullopt;
}

std::unique_ptr<signing_key> parse_pem(std::string_view text, std::string& error) {
  ossl::bio_ptr bio{BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))};
  EVP_PKEY* raw = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &no_passphrase, nullptr) : nullptr;
  ossl::pkey_ptr pkey{raw};
  if (!pkey) {
    ERR_clear_error();
    error = "not an unencrypted PEM private key nor an HS256 JWK";
    return nullptr;
  }
  const auto alg = pkey_algorithm(pkey.get(), error);
  if (!alg) return nullptr;
  auto key = std::make_unique<signing_key>();
  key->alg = *alg;
  key->pkey = pkey.release();
  return key;
}

std::string digest_sign(const signing_key& key, std::string_view input) {
  ossl::md_ctx_ptr ctx{EVP_MD_CTX_new()};
  const EVP_MD* md = key.alg == algorithm::eddsa ? nullptr : EVP_sha256();
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key.pkey) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, ossl::bytes(input), input.size()) != 1) {
    throw std::runtime_error("OpenSSL could not start signing");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, ossl::bytes(input),
                     input.size()) != 1) {
    throw std::runtime_error("OpenSSL could not sign");
  }
  sig.resize(len);
  return sig;
}

// OpenSSL's DER ECDSA signature to JWS's fixed-width R||S.
std::string der_to_raw(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::ecdsa_sig_ptr sig{d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()))};
  if (!sig) throw std::runtime_error("OpenSSL returned an unreadable ECDSA signature");
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32) != 32) {
    throw std::runtime_error("ECDSA signature component too large");
  }
  return raw;
}

std::string signature_of(const signing_key& key, std::string_view input) {
  if (key.alg == algorithm::hs256) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key.secret.data(), static_cast<int>(key.secret.size()), ossl::bytes(input), input.size(),
              mac.data(), &len)) {
      throw std::runtime_error("OpenSSL could not compute the HMAC");
    }
    return std::string(reinterpret_cast<const char*>(mac.data()), len);
  }
  auto sig = digest_sign(key, input);
  return key.alg == algorithm::es256 ? der_to_raw(sig) : sig;
}

}  // namespace

signing_key::~signing_key() {
  EVP_PKEY_free(pkey);
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
}

std::unique_ptr<signing_key> parse_signing_key(std::string_view text, std::string& error) {
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start != std::string_view::npos && text[start] == '{') return parse_oct_jwk(text, error);
  return parse_pem(text, error);
}

std::unique_ptr<signing_key> load_signing_key(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (!(in && text << in.rdbuf())) {
    error = "cannot read " + path;
    return nullptr;
  }
  if (text.view().size() > max_key_file_bytes) {
    error = path + " is larger than 1 MiB";
    return nullptr;
  }
  auto key = parse_signing_key(text.view(), error);
  if (!key) error = path + ": " + error;
  return key;
}

algorithm algorithm_of(const signing_key& k) { return k.alg; }

std::string sign_token(const signing_key& key, std::string_view kid, std::string_view claims_json) {
  std::string error;
  if (!parse_object_strict(claims_json, error)) throw std::invalid_argument("claims: " + error);
  json::object header;
  header["alg"] = to_string(key.alg);
  header["typ"] = "JWT";
  if (!kid.empty()) header["kid"] = kid;
  return sign_jws(key, json::serialize(header), claims_json);
}

std::string sign_jws(const signing_key& key, std::string_view header_json, std::string_view payload) {
  std::string token = base64url_encode(header_json);
  token += '.';
  token += base64url_encode(payload);
  const auto sig = signature_of(key, token);
  token += '.';
  token += base64url_encode(sig);
  return token;
}

}  // namespace switchboard::auth
