#pragma once
// unique_ptr owners for the OpenSSL objects this library creates, so every
// early return frees what it made.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <string_view>

namespace switchboard::auth::ossl {

template <auto free_fn>
struct deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    free_fn(p);
  }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<&EVP_PKEY_free>>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, deleter<&EVP_PKEY_CTX_free>>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, deleter<&EVP_MD_CTX_free>>;
using bn_ptr = std::unique_ptr<BIGNUM, deleter<&BN_free>>;
using param_bld_ptr = std::unique_ptr<OSSL_PARAM_BLD, deleter<&OSSL_PARAM_BLD_free>>;
using params_ptr = std::unique_ptr<OSSL_PARAM, deleter<&OSSL_PARAM_free>>;
using ecdsa_sig_ptr = std::unique_ptr<ECDSA_SIG, deleter<&ECDSA_SIG_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<&BIO_free_all>>;

inline const unsigned char* bytes(std::string_view s) noexcept {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace switchboard::auth::ossl
