#include "turn/coturn/options.hpp"

namespace switchboard::turn {

std::string_view to_string(coturn_profile p) noexcept {
  return p == coturn_profile::development ? "development" : "production";
}

std::optional<coturn_profile> parse_coturn_profile(std::string_view s) noexcept {
  if (s == "production") return coturn_profile::production;
  if (s == "development") return coturn_profile::development;
  return std::nullopt;
}

}  // namespace switchboard::turn
