// The peer deny list: each A-B range is exactly its registry CIDR, every
// special-purpose sample address is covered, public addresses are not.

#include "turn/coturn/deny_list.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <optional>
#include <ostream>
#include <string>

namespace {

using namespace switchboard::turn;

// An address as 16 bytes (IPv4 in the last 4, family remembered) for ordering.
struct address {
  int family = 0;
  std::array<unsigned char, 16> bytes{};
  auto operator<=>(const address&) const = default;
};

std::optional<address> parse(std::string_view text) {
  std::string s(text);
  address a;
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    a.family = AF_INET;
    std::memcpy(a.bytes.data() + 12, &v4, 4);
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    a.family = AF_INET6;
    std::memcpy(a.bytes.data(), &v6, 16);
    return a;
  }
  return std::nullopt;
}

// First and last address of "net/len", computed independently of the table.
std::pair<address, address> expand(std::string_view cidr) {
  auto slash = cidr.find('/');
  auto net = parse(cidr.substr(0, slash));
  EXPECT_TRUE(net.has_value()) << cidr;
  int len = std::stoi(std::string(cidr.substr(slash + 1)));
  int offset = net->family == AF_INET ? 96 : 0;  // IPv4 lives in the last 32 bits
  address first = *net, last = *net;
  for (int bit = offset + len; bit < 128; ++bit) {
    auto mask = static_cast<unsigned char>(0x80u >> (bit % 8));
    first.bytes[bit / 8] &= static_cast<unsigned char>(~mask);
    last.bytes[bit / 8] |= mask;
  }
  return {first, last};
}

// The entry covering `text`, if any.
const denied_range* covering(std::string_view text) {
  auto a = parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  for (const auto& r : special_purpose_ranges()) {
    auto first = parse(r.first), last = parse(r.last);
    if (first->family == a->family && *first <= *a && *a <= *last) return &r;
  }
  return nullptr;
}

TEST(CoturnDenyList, EveryRangeIsItsCidr) {
  ASSERT_GE(special_purpose_ranges().size(), 30u);
  for (const auto& r : special_purpose_ranges()) {
    auto first = parse(r.first), last = parse(r.last);
    ASSERT_TRUE(first && last) << r.cidr;
    auto [f, l] = expand(r.cidr);
    EXPECT_EQ(*first, f) << r.cidr << " first " << r.first;
    EXPECT_EQ(*last, l) << r.cidr << " last " << r.last;
    EXPECT_FALSE(r.why.empty()) << r.cidr;
  }
}

TEST(CoturnDenyList, SpecialPurposeAddressesAreCovered) {
  const char* samples[] = {
      "0.0.0.0", "0.1.2.3", "10.1.2.3", "100.64.0.1", "100.127.255.254", "169.254.169.254", "172.16.0.1",
      "172.31.255.255", "192.0.0.9", "192.0.0.170", "192.0.2.1", "192.31.196.1", "192.52.193.1", "192.88.99.1",
      "192.168.1.1", "192.175.48.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1",
      "239.255.255.250", "240.0.0.1", "255.255.255.255",
      "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:8.8.8.8",
      "64:ff9b::7f00:1", "64:ff9b:1::a00:1", "100::1", "100:0:0:1::1",
      "2001::1",            // Teredo
      "2001:1::1", "2001:1::2", "2001:1::3",  // PCP, TURN, DNS-SD anycast
      "2001:2::1",          // benchmarking
      "2001:3::1",          // AMT
      "2001:4:112::1",      // AS112-v6
      "2001:10::1", "2001:20::1", "2001:30::1",  // ORCHID, ORCHIDv2, DRIP
      "2001:db8::1", "2002:7f00:1::1", "2620:4f:8000::1", "3fff::1", "5f00::1", "fc00::1", "fd12:3456::1",
      "fe80::1", "fec0::1", "ff02::1",
  };
  for (const char* s : samples) {
    const auto* r = covering(s);
    ASSERT_NE(r, nullptr) << s;
    EXPECT_FALSE(r->loopback) << s << " must stay denied in development";
  }
}

TEST(CoturnDenyList, LoopbackIsCoveredOnlyByLoopbackEntries) {
  for (const char* s : {"127.0.0.1", "127.255.255.254", "::1"}) {
    const auto* r = covering(s);
    ASSERT_NE(r, nullptr) << s;
    EXPECT_TRUE(r->loopback) << s;
  }
  int flagged = 0;
  for (const auto& r : special_purpose_ranges()) flagged += r.loopback ? 1 : 0;
  EXPECT_EQ(flagged, 2);
}

TEST(CoturnDenyList, PublicAddressesAreNotCovered) {
  for (const char* s : {"8.8.8.8", "1.1.1.1", "11.0.0.1", "100.128.0.1", "172.32.0.1", "192.0.3.1", "198.20.0.1",
                        "223.255.255.255", "2606:4700::1111", "2001:4860:4860::8888", "2001:200::1", "2003::1",
                        "2a00:1450::1", "64:ff9b:2::1", "::fffe:8.8.8.8"}) {
    EXPECT_EQ(covering(s), nullptr) << s;
  }
}

// coturn 4.6.1 treats an all-zero bound as unbounded and compares addresses of
// different families by family number: a last address of 0.0.0.0 or :: would
// deny every peer, an IPv6 first address of :: every IPv4 peer (seen with the
// real server: "A peer IP 127.0.0.1 denied in the range: ::").
TEST(CoturnDenyList, NoBoundCoturnReadsAsUnbounded) {
  for (const auto& r : special_purpose_ranges()) {
    auto first = parse(r.first), last = parse(r.last);
    address zero{first->family, {}};
    EXPECT_NE(*last, zero) << r.cidr;
    if (first->family == AF_INET6) {
      EXPECT_NE(*first, zero) << r.cidr;
    }
  }
}

TEST(CoturnDenyList, CoturnRangeSyntax) {
  for (const auto& r : special_purpose_ranges()) {
    std::string v = coturn_range(r);
    if (r.first == r.last) {
      EXPECT_EQ(v, r.first);
    } else {
      EXPECT_EQ(v, std::string(r.first) + "-" + std::string(r.last));
    }
  }
}

}  // namespace
