#pragma once
// Why a STUN datagram was rejected. Decoding untrusted input never throws; it
// reports one of these through std::error_code.

#include <system_error>

namespace switchboard::stun {

enum class errc {
  truncated_header = 1,   // fewer than 20 bytes
  not_stun,               // the two leading bits are not zero
  bad_magic_cookie,       // bytes 4..7 are not 0x2112A442
  length_mismatch,        // header length disagrees with the datagram size
  attribute_overflow,     // an attribute header or value runs past the end
  bad_padding,            // an attribute's padding runs past the end (length not a multiple of 4)
  bad_attribute,          // a known attribute has a malformed value
  integrity_missing,      // no MESSAGE-INTEGRITY where one was required
  integrity_mismatch,     // MESSAGE-INTEGRITY does not match the key
  fingerprint_missing,    // no FINGERPRINT where one was required
  fingerprint_mismatch,   // FINGERPRINT does not match the message
};

const std::error_category& error_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

}  // namespace switchboard::stun

template <>
struct std::is_error_code_enum<switchboard::stun::errc> : std::true_type {};
