#pragma once
// A fast path for the message a signaling server mostly relays: an offer,
// answer, iceCandidate or hangup in the shape browsers send (compact JSON,
// printable ASCII, no escape sequences, integer numbers). It is checked and
// forwarded by slicing the text, with no JSON tree and no serialiser; the
// result is byte for byte what parse() and forward() give. Any other message,
// and any message parse() would refuse, is declined: use parse().

#include "signaling/protocol/message.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::protocol {

struct relay_scan {
  // A member of data, as JSON text (the key with its quotes).
  struct member {
    std::string_view key;
    std::string_view value;
  };
  static constexpr std::size_t max_members = 16;  // more: declined

  action act = action::offer;
  std::string_view remote_id;  // data.remoteId, without quotes
  std::array<member, max_members> data{};
  std::size_t members = 0;
};

// Views into `text`, which must outlive the result.
std::optional<relay_scan> scan_relayed(std::string_view text);

// forward(parse(text), from_id, from_identity) for a scanned message.
std::string forward(const relay_scan& r, std::string_view from_id, std::string_view from_identity = {});

}  // namespace switchboard::protocol
