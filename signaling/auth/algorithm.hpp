#pragma once
// The signature algorithms Switchboard accepts (RFC 7518 section 3.1, RFC 8037).

#include <optional>
#include <string_view>

namespace switchboard::auth {

enum class algorithm { eddsa, es256, rs256, hs256 };

// "EdDSA", "ES256", "RS256", "HS256": the JOSE names.
std::string_view to_string(algorithm a) noexcept;

// The algorithm named exactly (case-sensitively) `name`, or nullopt.
std::optional<algorithm> algorithm_from_name(std::string_view name) noexcept;

}  // namespace switchboard::auth
