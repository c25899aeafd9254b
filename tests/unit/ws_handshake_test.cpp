// The opening handshake (signaling/net/ws_handshake): what counts as an
// upgrade, which keys and versions are accepted, the 101 response.

#include "signaling/net/ws_handshake.hpp"

#include <gtest/gtest.h>

#include <string>

namespace switchboard::net::ws {
namespace {

TEST(AcceptKey, RfcExample) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(UpgradeResponse, SwitchesProtocolsWithTheAcceptKeyAndNothingElse) {
  const std::string r = upgrade_response("dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
  EXPECT_NE(r.find("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos);
  EXPECT_NE(r.find("\r\nUpgrade: websocket\r\n"), std::string::npos);
  EXPECT_NE(r.find("\r\nConnection: Upgrade\r\n"), std::string::npos);
  EXPECT_EQ(r.find("Sec-WebSocket-Extensions"), std::string::npos);
  EXPECT_EQ(r.find("Sec-WebSocket-Protocol"), std::string::npos);
  EXPECT_TRUE(r.ends_with("\r\n\r\n"));
}

struct upgrade_case {
  const char* name;
  std::string method;
  unsigned version;
  std::string connection;
  std::string upgrade;
  bool is_upgrade;
};

class IsUpgrade : public ::testing::TestWithParam<upgrade_case> {};

TEST_P(IsUpgrade, Recognised) {
  const auto& c = GetParam();
  EXPECT_EQ(is_upgrade_request(c.method, c.version, c.connection, c.upgrade), c.is_upgrade);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, IsUpgrade,
    ::testing::Values(upgrade_case{"plain", "GET", 11, "Upgrade", "websocket", true},
                      upgrade_case{"token_lists_any_case", "GET", 11, "keep-alive, UPGRADE", "WebSocket", true},
                      upgrade_case{"spaces_around_tokens", "GET", 11, " keep-alive ,  upgrade ", " websocket ", true},
                      upgrade_case{"post", "POST", 11, "Upgrade", "websocket", false},
                      upgrade_case{"http_1_0", "GET", 10, "Upgrade", "websocket", false},
                      upgrade_case{"no_connection_upgrade", "GET", 11, "keep-alive", "websocket", false},
                      upgrade_case{"other_protocol", "GET", 11, "Upgrade", "h2c", false},
                      upgrade_case{"token_prefix_only", "GET", 11, "upgrades", "websocket", false}),
    [](const ::testing::TestParamInfo<upgrade_case>& row) { return std::string(row.param.name); });

struct check_case {
  const char* name;
  std::string version;
  std::string key;
  bool ok;
};

class CheckUpgrade : public ::testing::TestWithParam<check_case> {};

TEST_P(CheckUpgrade, VersionAndKey) {
  const auto& c = GetParam();
  EXPECT_EQ(check_upgrade(c.version, c.key).empty(), c.ok) << check_upgrade(c.version, c.key);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CheckUpgrade,
    ::testing::Values(check_case{"valid", "13", "dGhlIHNhbXBsZSBub25jZQ==", true},
                      check_case{"valid_with_spaces", " 13 ", " dGhlIHNhbXBsZSBub25jZQ== ", true},
                      check_case{"version_8", "8", "dGhlIHNhbXBsZSBub25jZQ==", false},
                      check_case{"no_version", "", "dGhlIHNhbXBsZSBub25jZQ==", false},
                      check_case{"no_key", "13", "", false},
                      check_case{"key_too_short", "13", "dGhlIHNhbXBsZQ==", false},
                      check_case{"key_not_padded", "13", "dGhlIHNhbXBsZSBub25jZQxx", false},
                      check_case{"key_not_base64", "13", "dGhlIHNhbXBs*SBub25jZQ==", false}),
    [](const ::testing::TestParamInfo<check_case>& row) { return std::string(row.param.name); });

}  // namespace
}  // namespace switchboard::net::ws
