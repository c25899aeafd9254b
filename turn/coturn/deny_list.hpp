#pragma once
// The peer addresses a TURN relay must never reach: every entry of the IANA
// IPv4 and IPv6 Special-Purpose Address Registries, RFC 1918, multicast and
// reserved space, plus the IPv4-mapped IPv6 block that coturn 4.6.1's own
// checks miss (CVE-2026-27624). coturn's denied-peer-ip= takes "A" or "A-B"
// ranges, not CIDR, so each entry carries both forms.
//
// coturn 4.6.1's range check treats an all-zero bound (0.0.0.0 or ::) as
// "unbounded" and orders addresses of different families by family number, so
// "::" alone denies every peer and a range starting at "::" denies every IPv4
// peer. The unspecified IPv6 address therefore cannot be listed; docs/turn.md
// explains the gap and why an IPv4 relay address closes it.

#include <span>
#include <string>
#include <string_view>

namespace switchboard::turn {

struct denied_range {
  std::string_view cidr;   // as the registry writes it (documentation and tests)
  std::string_view first;  // first address, as coturn is given it
  std::string_view last;   // last address; equal to first for a single address
  std::string_view why;    // one line for docs/turn.md and the rendered comment
  bool loopback = false;   // left out by the development profile
};

// In rendering order: IPv4 first, then IPv6.
std::span<const denied_range> special_purpose_ranges() noexcept;

// "A" or "A-B": the value of a denied-peer-ip= line.
std::string coturn_range(const denied_range& r);

}  // namespace switchboard::turn
