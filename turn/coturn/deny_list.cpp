#include "turn/coturn/deny_list.hpp"

#include <array>

namespace switchboard::turn {
namespace {

constexpr std::array ranges{
    // IPv4 (IANA IPv4 Special-Purpose Address Registry, RFC 1918, RFC 5771, RFC 1112)
    denied_range{"0.0.0.0/8", "0.0.0.0", "0.255.255.255", "\"this network\"; 0.0.0.0 reaches the relay host itself"},
    denied_range{"10.0.0.0/8", "10.0.0.0", "10.255.255.255", "RFC 1918 private"},
    denied_range{"100.64.0.0/10", "100.64.0.0", "100.127.255.255", "shared address space (carrier-grade NAT)"},
    denied_range{"127.0.0.0/8", "127.0.0.0", "127.255.255.255", "loopback: services on the relay host", true},
    denied_range{"169.254.0.0/16", "169.254.0.0", "169.254.255.255", "link-local, incl. cloud metadata 169.254.169.254"},
    denied_range{"172.16.0.0/12", "172.16.0.0", "172.31.255.255", "RFC 1918 private"},
    denied_range{"192.0.0.0/24", "192.0.0.0", "192.0.0.255", "IETF protocol assignments (DS-Lite, NAT64 discovery, ...)"},
    denied_range{"192.0.2.0/24", "192.0.2.0", "192.0.2.255", "documentation (TEST-NET-1)"},
    denied_range{"192.31.196.0/24", "192.31.196.0", "192.31.196.255", "AS112-v4 DNS sinks: never a WebRTC peer"},
    denied_range{"192.52.193.0/24", "192.52.193.0", "192.52.193.255", "AMT relays: never a WebRTC peer"},
    denied_range{"192.88.99.0/24", "192.88.99.0", "192.88.99.255", "deprecated 6to4 relay anycast"},
    denied_range{"192.168.0.0/16", "192.168.0.0", "192.168.255.255", "RFC 1918 private"},
    denied_range{"192.175.48.0/24", "192.175.48.0", "192.175.48.255", "AS112 direct delegation: never a WebRTC peer"},
    denied_range{"198.18.0.0/15", "198.18.0.0", "198.19.255.255", "benchmarking"},
    denied_range{"198.51.100.0/24", "198.51.100.0", "198.51.100.255", "documentation (TEST-NET-2)"},
    denied_range{"203.0.113.0/24", "203.0.113.0", "203.0.113.255", "documentation (TEST-NET-3)"},
    denied_range{"224.0.0.0/4", "224.0.0.0", "239.255.255.255", "multicast"},
    denied_range{"240.0.0.0/4", "240.0.0.0", "255.255.255.255", "reserved"},
    denied_range{"255.255.255.255/32", "255.255.255.255", "255.255.255.255", "limited broadcast"},
    // IPv6 (IANA IPv6 Special-Purpose Address Registry, RFC 4291)
    denied_range{"::1/128", "::1", "::1", "loopback: services on the relay host", true},
    denied_range{"::ffff:0:0/96", "::ffff:0.0.0.0", "::ffff:255.255.255.255",
                 "IPv4-mapped: reaches any IPv4 address, incl. loopback (CVE-2026-27624)"},
    denied_range{"64:ff9b::/96", "64:ff9b::", "64:ff9b::ffff:ffff", "NAT64 well-known prefix: embeds any IPv4"},
    denied_range{"64:ff9b:1::/48", "64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "local-use NAT64: embeds any IPv4"},
    denied_range{"100::/64", "100::", "100::ffff:ffff:ffff:ffff", "discard-only"},
    denied_range{"100:0:0:1::/64", "100:0:0:1::", "100::1:ffff:ffff:ffff:ffff", "dummy prefix"},
    denied_range{"2001::/23", "2001::", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
                 "IETF protocol assignments: Teredo, TURN/PCP anycast, benchmarking, AMT, AS112, ORCHID, DRIP"},
    denied_range{"2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation"},
    denied_range{"2002::/16", "2002::", "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "6to4: embeds any IPv4"},
    denied_range{"2620:4f:8000::/48", "2620:4f:8000::", "2620:4f:8000:ffff:ffff:ffff:ffff:ffff",
                 "AS112 direct delegation: never a WebRTC peer"},
    denied_range{"3fff::/20", "3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", "documentation"},
    denied_range{"5f00::/16", "5f00::", "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "segment routing SIDs"},
    denied_range{"fc00::/7", "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unique local (private)"},
    denied_range{"fe80::/10", "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local"},
    denied_range{"fec0::/10", "fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "deprecated site-local (private)"},
    denied_range{"ff00::/8", "ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast"},
};

}  // namespace

std::span<const denied_range> special_purpose_ranges() noexcept { return ranges; }

std::string coturn_range(const denied_range& r) {
  std::string out(r.first);
  if (r.last != r.first) {
    out += '-';
    out += r.last;
  }
  return out;
}

}  // namespace switchboard::turn
