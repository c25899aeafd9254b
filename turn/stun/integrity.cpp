#include "turn/stun/integrity.hpp"

#include "turn/stun/attributes.hpp"
#include "turn/stun/errors.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>

namespace switchboard::stun {
namespace {

constexpr std::size_t sha1_size = 20;
using sha1_digest = std::array<std::uint8_t, sha1_size>;

// Both hashes cover the message up to an attribute as if that attribute were
// the last one: the header length is rewritten to end right after it.
void set_length(bytes& wire, std::size_t body_size) {
  wire[2] = static_cast<std::uint8_t>(body_size >> 8);
  wire[3] = static_cast<std::uint8_t>(body_size);
}

bytes prefix_with_length(byte_view wire, std::size_t offset, std::size_t attr_size) {
  bytes prefix(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(offset));
  set_length(prefix, offset + attr_size - header_size);
  return prefix;
}

sha1_digest hmac_sha1(byte_view key, byte_view data) {
  // A null key pointer means "no key" to OpenSSL; an empty key must still hash.
  static const std::uint8_t empty_key = 0;
  sha1_digest out{};
  unsigned int size = 0;
  HMAC(EVP_sha1(), key.empty() ? &empty_key : key.data(), static_cast<int>(key.size()),
       data.data(), data.size(), out.data(), &size);
  return out;
}

std::uint32_t fingerprint_of(byte_view prefix) noexcept { return crc32(prefix) ^ fingerprint_xor; }

const attribute_view* first_of(const std::vector<attribute_view>& views, std::uint16_t type) {
  const auto it = std::find_if(views.begin(), views.end(),
                               [type](const attribute_view& v) { return v.type == type; });
  return it == views.end() ? nullptr : &*it;
}

}  // namespace

bytes long_term_key(std::string_view username, std::string_view realm, std::string_view password) {
  std::string input;
  input.reserve(username.size() + realm.size() + password.size() + 2);
  input.append(username).append(":").append(realm).append(":").append(password);
  bytes out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), out.data(), &size, EVP_md5(), nullptr);
  out.resize(size);
  return out;
}

bytes short_term_key(std::string_view password) { return bytes(password.begin(), password.end()); }

void append_message_integrity(bytes& wire, byte_view key) {
  const std::size_t offset = wire.size();
  const auto mac = hmac_sha1(key, prefix_with_length(wire, offset, 4 + sha1_size));
  append_u16(wire, attr::message_integrity);
  append_u16(wire, sha1_size);
  wire.insert(wire.end(), mac.begin(), mac.end());
  set_length(wire, wire.size() - header_size);
}

void append_fingerprint(bytes& wire) {
  const std::size_t offset = wire.size();
  const std::uint32_t crc = fingerprint_of(prefix_with_length(wire, offset, 8));
  append_u16(wire, attr::fingerprint);
  append_u16(wire, 4);
  append_u32(wire, crc);
  set_length(wire, wire.size() - header_size);
}

bytes encode(const message& m, const signing& sign) {
  bytes wire = encode(m);
  if (sign.key) {
    append_message_integrity(wire, *sign.key);
  }
  if (sign.fingerprint) {
    append_fingerprint(wire);
  }
  return wire;
}

std::error_code check_message_integrity(byte_view wire, byte_view key) {
  std::vector<attribute_view> views;
  if (auto ec = index_attributes(wire, views)) {
    return ec;
  }
  const attribute_view* mi = first_of(views, attr::message_integrity);
  if (mi == nullptr) {
    return errc::integrity_missing;
  }
  if (mi->value.size() != sha1_size) {
    return errc::bad_attribute;
  }
  const auto expected = hmac_sha1(key, prefix_with_length(wire, mi->offset, 4 + sha1_size));
  if (CRYPTO_memcmp(expected.data(), mi->value.data(), sha1_size) != 0) {
    return errc::integrity_mismatch;
  }
  return {};
}

std::error_code check_fingerprint(byte_view wire) {
  std::vector<attribute_view> views;
  if (auto ec = index_attributes(wire, views)) {
    return ec;
  }
  const attribute_view* fp = first_of(views, attr::fingerprint);
  if (fp == nullptr) {
    return errc::fingerprint_missing;
  }
  if (fp->value.size() != 4) {
    return errc::bad_attribute;
  }
  if (fingerprint_of(prefix_with_length(wire, fp->offset, 8)) != read_u32(fp->value.data())) {
    return errc::fingerprint_mismatch;
  }
  return {};
}

bool has_fingerprint(byte_view wire) {
  std::vector<attribute_view> views;
  return !index_attributes(wire, views) && first_of(views, attr::fingerprint) != nullptr;
}

}  // namespace switchboard::stun
