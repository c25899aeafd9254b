#pragma once
// MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 section 14.5) and FINGERPRINT
// (CRC-32 XOR 0x5354554e, section 14.7) over encoded messages. Both hash the
// wire bytes before the attribute with the header length already counting
// it, so they are appended to, and checked on, bytes rather than values.

#include "turn/stun/message.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

namespace switchboard::stun {

inline constexpr std::uint32_t fingerprint_xor = 0x5354554e;

// CRC-32 as in ISO 3309 / IEEE 802.3 (reflected polynomial 0xEDB88320).
std::uint32_t crc32(byte_view data) noexcept;

// Long-term credential key: MD5(username ":" realm ":" password). The inputs
// are used as given; SASLprep is not applied (TURN REST credentials are ASCII).
bytes long_term_key(std::string_view username, std::string_view realm, std::string_view password);
// Short-term credential key: the password itself.
bytes short_term_key(std::string_view password);

// Append the attribute to an encoded message and fix up the header length.
void append_message_integrity(bytes& wire, byte_view key);
void append_fingerprint(bytes& wire);

struct signing {
  std::optional<bytes> key;  // adds MESSAGE-INTEGRITY when set
  bool fingerprint = false;  // adds FINGERPRINT (last)
};

// encode(m), then MESSAGE-INTEGRITY and FINGERPRINT as asked.
bytes encode(const message& m, const signing& sign);

// Checks the first MESSAGE-INTEGRITY against `key`: {} when it matches,
// errc::integrity_missing / integrity_mismatch / bad_attribute, or the
// framing error of a malformed message.
std::error_code check_message_integrity(byte_view wire, byte_view key);
// Same for FINGERPRINT (errc::fingerprint_missing / fingerprint_mismatch).
std::error_code check_fingerprint(byte_view wire);
// True when the message carries a FINGERPRINT attribute (framing assumed valid).
bool has_fingerprint(byte_view wire);

}  // namespace switchboard::stun
