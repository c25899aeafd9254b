// Key generation and public-key export for sign.hpp.

#include "signaling/auth/base64url.hpp"
#include "signaling/auth/openssl_ptr.hpp"
#include "signaling/auth/sign.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace switchboard::auth {
namespace {

namespace json = boost::json;

std::string bn_param(const EVP_PKEY* pkey, const char* name, int pad_to) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) throw std::runtime_error("OpenSSL could not export the public key");
  ossl::bn_ptr bn{raw};
  const int len = pad_to > 0 ? pad_to : BN_num_bytes(bn.get());
  std::string out(static_cast<std::size_t>(len), '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), len) != len) {
    throw std::runtime_error("public key component too large");
  }
  return base64url_encode(out);
}

std::string raw_public(const EVP_PKEY* pkey) {
  std::array<unsigned char, 32> raw{};
  std::size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey, raw.data(), &len) != 1 || len != raw.size()) {
    throw std::runtime_error("OpenSSL could not export the Ed25519 public key");
  }
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(raw.data()), len));
}

// The members that carry the key material, in RFC 7517 order of habit.
void add_material(json::object& jwk, const signing_key& key) {
  switch (key.alg) {
    case algorithm::eddsa:
      jwk["kty"] = "OKP";
      jwk["crv"] = "Ed25519";
      jwk["x"] = raw_public(key.pkey);
      break;
    case algorithm::es256:
      jwk["kty"] = "EC";
      jwk["crv"] = "P-256";
      jwk["x"] = bn_param(key.pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32);
      jwk["y"] = bn_param(key.pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
      break;
    case algorithm::rs256:
      jwk["kty"] = "RSA";
      jwk["n"] = bn_param(key.pkey, OSSL_PKEY_PARAM_RSA_N, 0);
      jwk["e"] = bn_param(key.pkey, OSSL_PKEY_PARAM_RSA_E, 0);
      break;
    case algorithm::hs256:
      jwk["kty"] = "oct";
      jwk["k"] = base64url_encode(key.secret);
      break;
  }
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

EVP_PKEY* new_pkey(algorithm a) {
  switch (a) {
    case algorithm::eddsa: return EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    case algorithm::es256: return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    case algorithm::rs256: return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048});
    case algorithm::hs256: break;
  }
  return nullptr;
}

}  // namespace

std::string public_jwk(const signing_key& key, std::string_view kid) {
  json::object jwk;
  add_material(jwk, key);
  if (!kid.empty()) jwk["kid"] = kid;
  jwk["alg"] = to_string(key.alg);
  jwk["use"] = "sig";
  return json::serialize(jwk);
}

std::string public_key_pem(const signing_key& key) {
  if (!key.pkey) return {};
  ossl::bio_ptr bio{BIO_new(BIO_s_mem())};
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key.pkey) != 1) throw std::runtime_error("OpenSSL could not write PEM");
  return bio_text(bio.get());
}

generated_key generate_key(algorithm a, std::string_view kid) {
  signing_key key;
  key.alg = a;
  if (a == algorithm::hs256) {
    key.secret.assign(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key.secret.data()), 32) != 1) {
      throw std::runtime_error("RAND_bytes failed: the system random generator is unavailable");
    }
    json::object jwk;
    jwk["kty"] = "oct";
    if (!kid.empty()) jwk["kid"] = kid;
    jwk["alg"] = "HS256";
    jwk["k"] = base64url_encode(key.secret);
    return {json::serialize(jwk) + "\n", public_jwk(key, kid)};
  }
  key.pkey = new_pkey(a);
  if (!key.pkey) throw std::runtime_error("OpenSSL could not generate a key");
  ossl::bio_ptr bio{BIO_new(BIO_s_mem())};
  // PKCS#8, unencrypted: the file's 0600 mode is its protection.
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw std::runtime_error("OpenSSL could not write the private key");
  }
  return {bio_text(bio.get()), public_jwk(key, kid)};
}

}  // namespace switchboard::auth
