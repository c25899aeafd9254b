#include "turn/credentials/credentials.hpp"
#include "turn/credentials/ice_servers.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using switchboard::turn::clamp_ttl;
using switchboard::turn::hmac_sha1_base64;
using switchboard::turn::mint;
using switchboard::turn::wall_clock;

struct hmac_case {
  const char* name;
  std::string key;
  std::string message;
  const char* expected;  // base64 of the digest
};

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

std::string bytes_1_to_25() {
  std::string out;
  for (int i = 1; i <= 25; ++i) {
    out += static_cast<char>(i);
  }
  return out;
}

class hmac_vectors : public testing::TestWithParam<hmac_case> {};

std::string case_name(const testing::TestParamInfo<hmac_case>& p) { return p.param.name; }

TEST_P(hmac_vectors, match) {
  const auto& c = GetParam();
  EXPECT_EQ(hmac_sha1_base64(c.key, c.message), c.expected);
}

// RFC 2202 section 3; the hex digests from the RFC are shown next to their
// base64 form (converted with `printf HEX | xxd -r -p | base64`).
INSTANTIATE_TEST_SUITE_P(
    rfc2202, hmac_vectors,
    testing::Values(
        // b617318655057264e28bc0b6fb378c8ef146be00
        hmac_case{"case1", repeat('\x0b', 20), "Hi There", "thcxhlUFcmTii8C2+zeMjvFGvgA="},
        // effcdf6ae5eb2fa2d27416d5f184df9c259a7c79
        hmac_case{"case2", "Jefe", "what do ya want for nothing?",
                  "7/zfauXrL6LSdBbV8YTfnCWafHk="},
        // 125d7342b9ac11cd91a39af48aa17b4f63f175d3
        hmac_case{"case3", repeat('\xaa', 20), repeat('\xdd', 50),
                  "El1zQrmsEc2Ro5r0iqF7T2PxddM="},
        // 4c9007f4026250c6bc8414f9bf50c86c2d7235da
        hmac_case{"case4", bytes_1_to_25(), repeat('\xcd', 50), "TJAH9AJiUMa8hBT5v1DIbC1yNdo="},
        // 4c1a03424b55e07fe7f27be1d58bb9324a9a5a04
        hmac_case{"case5", repeat('\x0c', 20), "Test With Truncation",
                  "TBoDQktV4H/n8nvh1Yu5MkqaWgQ="},
        // aa4ae5e15272d00e95705637ce8a3b55ed402112
        hmac_case{"case6", repeat('\xaa', 80),
                  "Test Using Larger Than Block-Size Key - Hash Key First",
                  "qkrl4VJy0A6VcFY3zoo7Ve1AIRI="},
        // e8e99d0f45237d786d6bbaa7965c7808bbff1a91
        hmac_case{"case7", repeat('\xaa', 80),
                  "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
                  "6OmdD0UjfXhta7qnllx4CLv/GpE="}),
    case_name);

// Computed independently with the openssl command line.
INSTANTIATE_TEST_SUITE_P(
    openssl_cli, hmac_vectors,
    testing::Values(
        // printf '1700000000:alice' | openssl dgst -sha1 -hmac 'north-wind-secret' -binary | base64
        hmac_case{"alice", "north-wind-secret", "1700000000:alice",
                  "r/l6ttQtMIfbS2lfULS0mDRRNUg="},
        // printf '1700003600:bob' |
        //   openssl dgst -sha1 -hmac 'correct horse battery staple' -binary | base64
        hmac_case{"bob", "correct horse battery staple", "1700003600:bob",
                  "/lwTU2KJWjMUOAqTk/lS+rW9xDc="},
        // printf '' | openssl dgst -sha1 -mac HMAC -macopt hexkey:00 -binary | base64
        // (a one-zero-byte key pads to the same block as an empty key)
        hmac_case{"empty", "", "", "+9sdGxiqbAgyS31ktx+3Y3BpDh0="}),
    case_name);

wall_clock::time_point at_unix(std::int64_t secs) {
  return wall_clock::time_point{std::chrono::seconds{secs}};
}

TEST(mint, username_is_expiry_colon_user) {
  const auto cred = mint("north-wind-secret", "alice", at_unix(1699996400), 3600s);
  EXPECT_EQ(cred.username, "1700000000:alice");
  EXPECT_EQ(cred.password, "r/l6ttQtMIfbS2lfULS0mDRRNUg=");
  EXPECT_EQ(cred.expires, at_unix(1700000000));
}

TEST(mint, sub_second_now_is_truncated_to_whole_seconds) {
  const auto now = at_unix(1700000000) + 999ms;
  const auto cred = mint("k", "u", now, 600s);
  EXPECT_EQ(cred.username, "1700000600:u");
  EXPECT_EQ(cred.expires, at_unix(1700000600));
}

TEST(mint, empty_user_gives_bare_expiry) {
  const auto cred = mint("k", "", at_unix(1000), 300s);
  EXPECT_EQ(cred.username, "1300");
  EXPECT_EQ(cred.password, hmac_sha1_base64("k", "1300"));
}

TEST(mint, password_depends_on_secret) {
  const auto a = mint("one", "u", at_unix(0), 300s);
  const auto b = mint("two", "u", at_unix(0), 300s);
  EXPECT_EQ(a.username, b.username);
  EXPECT_NE(a.password, b.password);
}

struct clamp_case {
  std::chrono::seconds in;
  std::chrono::seconds out;
};

class clamp : public testing::TestWithParam<clamp_case> {};

TEST_P(clamp, bounds) { EXPECT_EQ(clamp_ttl(GetParam().in), GetParam().out); }

INSTANTIATE_TEST_SUITE_P(
    ttl, clamp,
    testing::Values(clamp_case{0s, 300s}, clamp_case{-5s, 300s}, clamp_case{299s, 300s},
                    clamp_case{300s, 300s}, clamp_case{3600s, 3600s},
                    clamp_case{86400s, 86400s}, clamp_case{86401s, 86400s},
                    clamp_case{std::chrono::seconds::max(), 86400s}));

TEST(ice_server_source, groups_stun_and_turn_with_a_minted_credential) {
  const auto fixed_now = [] { return wall_clock::time_point(std::chrono::seconds(1700000000)); };
  switchboard::turn::ice_server_source ice({"stun:a:3478", "turn:b:3478", "turns:b:5349"}, "key", 300s, fixed_now);
  const auto servers = ice.for_peer("PEER");
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[0].urls, std::vector<std::string>{"stun:a:3478"});
  EXPECT_TRUE(servers[0].username.empty());
  EXPECT_EQ(servers[1].urls.size(), 2u);
  EXPECT_EQ(servers[1].username, "1700000300:PEER");
  EXPECT_EQ(servers[1].credential, hmac_sha1_base64("key", "1700000300:PEER"));
}

}  // namespace
