#include "tests/hardening/tls_probe.hpp"

#include "tests/hardening/raw_socket.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

namespace switchboard::test {
namespace {

template <class T, void (*Free)(T*)>
struct freer {
  void operator()(T* p) const { Free(p); }
};
using ssl_ctx_ptr = std::unique_ptr<SSL_CTX, freer<SSL_CTX, SSL_CTX_free>>;
using ssl_ptr = std::unique_ptr<SSL, freer<SSL, SSL_free>>;
using x509_ptr = std::unique_ptr<X509, freer<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, freer<BIO, BIO_free_all>>;

std::string sha256_hex(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (cert == nullptr || X509_digest(cert, EVP_sha256(), md, &len) != 1) return "";
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

// Drives a non-blocking SSL_connect over the socket until done or the deadline.
bool handshake(SSL* ssl, raw_socket& socket, deadline until) {
  for (;;) {
    const int rc = SSL_connect(ssl);
    if (rc == 1) return true;
    const int err = SSL_get_error(ssl, rc);
    if (err == SSL_ERROR_WANT_READ) {
      if (!socket.wait_readable(until)) return false;
    } else if (err == SSL_ERROR_WANT_WRITE) {
      if (!socket.wait_writable(until)) return false;
    } else {
      return false;
    }
  }
}

}  // namespace

std::string served_certificate_sha256(std::uint16_t port, deadline until) {
  raw_socket socket;
  if (!socket.connect({port, "127.0.0.1", 0}, until)) return "";
  ssl_ctx_ptr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return "";
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // self-signed test certificates
  ssl_ptr ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), socket.native_handle()) != 1) return "";
  SSL_set_tlsext_host_name(ssl.get(), "localhost");
  if (!handshake(ssl.get(), socket, until)) return "";
  const x509_ptr cert(SSL_get1_peer_certificate(ssl.get()));
  auto digest = sha256_hex(cert.get());
  SSL_shutdown(ssl.get());
  return digest;
}

std::string pem_certificate_sha256(const std::string& path) {
  bio_ptr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return "";
  const x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  return sha256_hex(cert.get());
}

}  // namespace switchboard::test
