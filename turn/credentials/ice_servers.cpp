#include "turn/credentials/ice_servers.hpp"

#include <utility>

namespace switchboard::turn {

ice_server_source::ice_server_source(std::vector<std::string> uris, std::string signing_secret,
                                     std::chrono::seconds ttl, std::function<wall_clock::time_point()> clock)
    : secret_(std::move(signing_secret)), ttl_(ttl), clock_(std::move(clock)) {
  for (auto& uri : uris) {
    if (uri.starts_with("stun:") || uri.starts_with("stuns:")) {
      stun_uris_.push_back(std::move(uri));
    } else {
      turn_uris_.push_back(std::move(uri));
    }
  }
}

credential ice_server_source::mint(std::string_view user) const {
  return turn::mint(secret_, user, clock_(), ttl_);
}

std::vector<ice_server> ice_server_source::for_peer(std::string_view peer_id) const {
  std::vector<ice_server> out;
  if (!stun_uris_.empty()) out.push_back({stun_uris_, {}, {}});
  if (!turn_uris_.empty()) {
    auto cred = mint(peer_id);
    out.push_back({turn_uris_, std::move(cred.username), std::move(cred.password)});
  }
  return out;
}

}  // namespace switchboard::turn
