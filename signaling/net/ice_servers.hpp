#pragma once
// Builds the RTCIceServer list handed to clients: STUN URIs as one entry,
// TURN/TURNS URIs as another carrying a credential minted for the peer.

#include "signaling/protocol/message.hpp"
#include "turn/credentials/credentials.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::net {

class ice_server_source {
public:
  // secrets: the first signs. ttl: already clamped. clock: wall clock (fake in tests).
  ice_server_source(std::vector<std::string> uris, std::string signing_secret, std::chrono::seconds ttl,
                    std::function<turn::wall_clock::time_point()> clock = turn::wall_clock::now);

  turn::credential mint(std::string_view user) const;
  std::vector<protocol::ice_server> for_peer(std::string_view peer_id) const;
  std::chrono::seconds ttl() const noexcept { return ttl_; }
  const std::vector<std::string>& turn_uris() const noexcept { return turn_uris_; }

private:
  std::vector<std::string> stun_uris_;
  std::vector<std::string> turn_uris_;
  std::string secret_;
  std::chrono::seconds ttl_;
  std::function<turn::wall_clock::time_point()> clock_;
};

}  // namespace switchboard::net
