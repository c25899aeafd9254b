#pragma once
// Builds the RTCIceServer list handed to clients: STUN URIs as one entry,
// TURN/TURNS URIs as another carrying a credential minted for the peer.

#include "turn/credentials/credentials.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::turn {

// One RTCIceServer; the signaling protocol has its own type, filled from this
// by the composition root (turn/ knows nothing of the protocol).
struct ice_server {
  std::vector<std::string> urls;
  std::string username;    // empty for STUN
  std::string credential;  // empty for STUN
};

class ice_server_source {
public:
  // signing_secret: the first of turn.secrets. ttl: already clamped. clock: wall clock (fake in tests).
  ice_server_source(std::vector<std::string> uris, std::string signing_secret, std::chrono::seconds ttl,
                    std::function<wall_clock::time_point()> clock = wall_clock::now);

  credential mint(std::string_view user) const;
  std::vector<ice_server> for_peer(std::string_view peer_id) const;
  std::chrono::seconds ttl() const noexcept { return ttl_; }
  const std::vector<std::string>& turn_uris() const noexcept { return turn_uris_; }

private:
  std::vector<std::string> stun_uris_;
  std::vector<std::string> turn_uris_;
  std::string secret_;
  std::chrono::seconds ttl_;
  std::function<wall_clock::time_point()> clock_;
};

}  // namespace switchboard::turn
