#include "signaling/core/cluster.hpp"

namespace switchboard::core {

std::string_view to_string(directory_status s) noexcept {
  switch (s) {
    case directory_status::ok: return "ok";
    case directory_status::not_found: return "not_found";
    case directory_status::conflict: return "conflict";
    case directory_status::bad_token: return "bad_token";
    case directory_status::unavailable: return "unavailable";
  }
  return "unknown";
}

}  // namespace switchboard::core
