#include "signaling/auth/verifier.hpp"

#include "signaling/auth/openssl_ptr.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>

#include <array>
#include <utility>

namespace switchboard::auth {
namespace {

constexpr std::size_t p256_coordinate_bytes = 32;
constexpr std::size_t min_hmac_secret_bytes = 32;  // RFC 7518 section 3.2: at least the hash size
constexpr int min_rsa_bits = 2048;
constexpr int max_rsa_bits = 16384;  // OpenSSL's own ceiling; bounds the cost of one verify
constexpr int max_rsa_exponent_bits = 64;

// Builds a public EVP_PKEY of `type` ("EC", "RSA") from provider parameters.
ossl::pkey_ptr from_params(const char* type, OSSL_PARAM_BLD* bld) {
  ossl::params_ptr params{OSSL_PARAM_BLD_to_param(bld)};
  ossl::pkey_ctx_ptr ctx{EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr)};
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return ossl::pkey_ptr{raw};
}

bool public_check(EVP_PKEY* pkey) {
  ossl::pkey_ctx_ptr ctx{EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr)};
  return ctx && EVP_PKEY_public_check(ctx.get()) == 1;
}

ossl::bn_ptr to_bn(std::string_view big_endian) noexcept {
  return ossl::bn_ptr{BN_bin2bn(ossl::bytes(big_endian), static_cast<int>(big_endian.size()), nullptr)};
}

// JWS carries an ECDSA signature as R||S; OpenSSL verifies DER. Writes the
// DER form into `out` and returns its length, 0 on any failure (which then
// fails the verification). No allocation that could throw.
using der_buffer = std::array<unsigned char, 80>;  // P-256 DER signatures are at most 72 bytes

std::size_t raw_to_der(std::string_view raw, der_buffer& out) noexcept {
  ossl::ecdsa_sig_ptr sig{ECDSA_SIG_new()};
  auto r = to_bn(raw.substr(0, p256_coordinate_bytes));
  auto s = to_bn(raw.substr(p256_coordinate_bytes));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return 0;
  (void)r.release();  // owned by `sig` now
  (void)s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0 || static_cast<std::size_t>(len) > out.size()) return 0;
  unsigned char* p = out.data();
  return i2d_ECDSA_SIG(sig.get(), &p) == len ? static_cast<std::size_t>(len) : 0;
}

}  // namespace

verifier::verifier(algorithm alg, evp_pkey_st* pkey, std::string secret) noexcept
    : alg_(alg), pkey_(pkey), secret_(std::move(secret)) {}

verifier::~verifier() {
  EVP_PKEY_free(pkey_);
  if (!secret_.empty()) OPENSSL_cleanse(secret_.data(), secret_.size());
}

std::unique_ptr<verifier> verifier::ed25519(std::string_view x, std::string& error) {
  if (x.size() != 32) {
    error = "Ed25519 \"x\" must be 32 bytes";
    return nullptr;
  }
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, ossl::bytes(x), x.size());
  if (!pkey) {
    ERR_clear_error();
    error = "OpenSSL refused the Ed25519 key";
    return nullptr;
  }
  return std::unique_ptr<verifier>(new verifier(algorithm::eddsa, pkey, {}));
}

std::unique_ptr<verifier> verifier::p256(std::string_view x, std::string_view y, std::string& error) {
  if (x.size() != p256_coordinate_bytes || y.size() != p256_coordinate_bytes) {
    error = "P-256 \"x\" and \"y\" must be 32 bytes each";
    return nullptr;
  }
  std::string point = "\x04";  // uncompressed form (SEC 1 section 2.3.3)
  point.append(x).append(y);
  ossl::param_bld_ptr bld{OSSL_PARAM_BLD_new()};
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    error = "out of memory building the P-256 key";
    return nullptr;
  }
  auto pkey = from_params("EC", bld.get());
  // An off-curve point is the classic invalid-curve attack vector: refuse it.
  if (!pkey || !public_check(pkey.get())) {
    ERR_clear_error();
    error = "the P-256 point is not on the curve";
    return nullptr;
  }
  return std::unique_ptr<verifier>(new verifier(algorithm::es256, pkey.release(), {}));
}

std::unique_ptr<verifier> verifier::rsa(std::string_view n, std::string_view e, std::string& error) {
  auto bn_n = to_bn(n);
  auto bn_e = to_bn(e);
  if (!bn_n || !bn_e) {
    error = "out of memory building the RSA key";
    return nullptr;
  }
  const int bits = BN_num_bits(bn_n.get());
  if (bits < min_rsa_bits || bits > max_rsa_bits) {
    error = "RSA modulus has " + std::to_string(bits) + " bits; 2048 to 16384 are accepted";
    return nullptr;
  }
  if (!BN_is_odd(bn_e.get()) || BN_num_bits(bn_e.get()) < 2 || BN_num_bits(bn_e.get()) > max_rsa_exponent_bits) {
    error = "RSA exponent \"e\" must be odd, at least 3 and at most 64 bits";
    return nullptr;
  }
  ossl::param_bld_ptr bld{OSSL_PARAM_BLD_new()};
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    error = "out of memory building the RSA key";
    return nullptr;
  }
  auto pkey = from_params("RSA", bld.get());
  if (!pkey) {
    ERR_clear_error();
    error = "OpenSSL refused the RSA key";
    return nullptr;
  }
  return std::unique_ptr<verifier>(new verifier(algorithm::rs256, pkey.release(), {}));
}

std::unique_ptr<verifier> verifier::hmac(std::string_view secret, std::string& error) {
  if (secret.size() < min_hmac_secret_bytes) {
    error = "HS256 secret \"k\" has " + std::to_string(secret.size()) + " bytes; at least 32 are required";
    return nullptr;
  }
  return std::unique_ptr<verifier>(new verifier(algorithm::hs256, nullptr, std::string(secret)));
}

bool verifier::verify(std::string_view signing_input, std::string_view signature) const noexcept {
  const bool ok = alg_ == algorithm::hs256 ? verify_hmac(signing_input, signature) : verify_pkey(signing_input, signature);
  // A refused signature leaves OpenSSL errors on this thread's queue; TLS
  // code on the same thread reads that queue, so leave it empty.
  if (!ok) ERR_clear_error();
  return ok;
}

bool verifier::verify_hmac(std::string_view input, std::string_view signature) const noexcept {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  if (!HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), ossl::bytes(input), input.size(),
            mac.data(), &mac_len)) {
    return false;
  }
  // The length is public (always 32); only the bytes need constant time.
  return signature.size() == mac_len && CRYPTO_memcmp(mac.data(), signature.data(), mac_len) == 0;
}

bool verifier::verify_pkey(std::string_view input, std::string_view signature) const noexcept {
  der_buffer der{};
  if (alg_ == algorithm::es256) {
    if (signature.size() != 2 * p256_coordinate_bytes) return false;
    const std::size_t len = raw_to_der(signature, der);
    if (len == 0) return false;
    signature = std::string_view(reinterpret_cast<const char*>(der.data()), len);
  }
  ossl::md_ctx_ptr ctx{EVP_MD_CTX_new()};
  // EdDSA hashes internally: the digest must be NULL (RFC 8032 PureEdDSA).
  const EVP_MD* md = alg_ == algorithm::eddsa ? nullptr : EVP_sha256();
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pkey_) == 1 &&
         EVP_DigestVerify(ctx.get(), ossl::bytes(signature), signature.size(), ossl::bytes(input), input.size()) == 1;
}

}  // namespace switchboard::auth
