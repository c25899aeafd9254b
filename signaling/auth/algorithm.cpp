#include "signaling/auth/algorithm.hpp"

namespace switchboard::auth {

std::string_view to_string(algorithm a) noexcept {
  switch (a) {
    case algorithm::eddsa: return "EdDSA";
    case algorithm::es256: return "ES256";
    case algorithm::rs256: return "RS256";
    case algorithm::hs256: return "HS256";
  }
  return "?";
}

std::optional<algorithm> algorithm_from_name(std::string_view name) noexcept {
  for (const auto a : {algorithm::eddsa, algorithm::es256, algorithm::rs256, algorithm::hs256}) {
    if (name == to_string(a)) return a;
  }
  return std::nullopt;
}

}  // namespace switchboard::auth
