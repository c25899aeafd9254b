#pragma once
// Base64url (RFC 4648 section 5) exactly as JWS (RFC 7515 section 2) uses it:
// no padding, no whitespace, no other alphabet. One string has one encoding,
// so a token cannot be altered without changing its signed text.

#include <optional>
#include <string>
#include <string_view>

namespace switchboard::auth {

// nullopt unless `text` uses only A-Z a-z 0-9 - _, has no '=', a length that
// is not 1 more than a multiple of 4, and zero unused bits in its last
// character. The empty text decodes to the empty string.
std::optional<std::string> base64url_decode(std::string_view text);

// Unpadded base64url of `bytes`.
std::string base64url_encode(std::string_view bytes);

}  // namespace switchboard::auth
