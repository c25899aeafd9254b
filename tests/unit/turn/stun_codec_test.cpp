// STUN codec: message types, round trips, typed attributes, integrity and
// fingerprint over our own encodings.

#include "turn/stun/attributes.hpp"
#include "turn/stun/errors.hpp"
#include "turn/stun/integrity.hpp"
#include "turn/stun/message.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace switchboard::stun;

const transaction_id test_id{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

struct type_case {
  std::uint16_t method;
  message_class cls;
  std::uint16_t type;
};

class message_types : public testing::TestWithParam<type_case> {};

TEST_P(message_types, pack_and_split) {
  const auto& c = GetParam();
  EXPECT_EQ(message_type(c.method, c.cls), c.type);
  std::uint16_t m = 0;
  message_class cls = message_class::request;
  split_message_type(c.type, m, cls);
  EXPECT_EQ(m, c.method);
  EXPECT_EQ(cls, c.cls);
}

INSTANTIATE_TEST_SUITE_P(
    rfc8489_and_8656, message_types,
    testing::Values(type_case{method::binding, message_class::request, 0x0001},
                    type_case{method::binding, message_class::success, 0x0101},
                    type_case{method::binding, message_class::error, 0x0111},
                    type_case{method::allocate, message_class::request, 0x0003},
                    type_case{method::allocate, message_class::success, 0x0103},
                    type_case{method::allocate, message_class::error, 0x0113},
                    type_case{method::refresh, message_class::request, 0x0004},
                    type_case{method::send, message_class::indication, 0x0016},
                    type_case{method::data, message_class::indication, 0x0017},
                    type_case{method::channel_bind, message_class::request, 0x0009},
                    type_case{0x0FFF, message_class::error, 0x3FFF}));

message sample_message() {
  message m{method::allocate, message_class::request, test_id, {}};
  m.attributes.push_back(requested_transport_attribute(transport_udp));
  m.attributes.push_back(string_attribute(attr::username, "12345:probe"));  // 11 bytes: padded
  m.attributes.push_back({0x7FFF, {0xde, 0xad}});                          // unknown, required range
  m.attributes.push_back({0xC001, {}});                                    // unknown, optional, empty
  m.attributes.push_back(u32_attribute(attr::lifetime, 600));
  return m;
}

TEST(codec, round_trip_keeps_unknown_attributes_and_pads_with_zeros) {
  const message m = sample_message();
  const bytes wire = encode(m);
  ASSERT_EQ(wire.size(), 20u + 8 + 16 + 8 + 4 + 8);
  EXPECT_EQ(read_u16(wire.data() + 2), wire.size() - 20);
  EXPECT_EQ(wire[20 + 8 + 4 + 11], 0);  // USERNAME padding
  message back;
  ASSERT_EQ(decode(wire, back), std::error_code{});
  EXPECT_EQ(back, m);
  EXPECT_EQ(u32_value(back, attr::lifetime), 600u);
  EXPECT_EQ(find(back, attr::requested_transport)->value, (bytes{17, 0, 0, 0}));
  EXPECT_EQ(find(back, attr::realm), nullptr);
}

TEST(codec, signed_message_verifies_and_detects_tampering) {
  signing sign;
  sign.key = long_term_key("user", "realm", "pass");
  sign.fingerprint = true;
  const bytes wire = encode(sample_message(), sign);
  EXPECT_EQ(check_message_integrity(wire, *sign.key), std::error_code{});
  EXPECT_EQ(check_fingerprint(wire), std::error_code{});
  EXPECT_TRUE(has_fingerprint(wire));
  bytes tampered = wire;
  tampered[33] ^= 0x01;  // inside the USERNAME value
  EXPECT_EQ(check_message_integrity(tampered, *sign.key), errc::integrity_mismatch);
  EXPECT_EQ(check_fingerprint(tampered), errc::fingerprint_mismatch);
  EXPECT_EQ(check_message_integrity(encode(sample_message()), *sign.key), errc::integrity_missing);
  EXPECT_FALSE(has_fingerprint(encode(sample_message())));
}

void fix_length(bytes& wire) {
  wire[2] = static_cast<std::uint8_t>((wire.size() - 20) >> 8);
  wire[3] = static_cast<std::uint8_t>(wire.size() - 20);
}

TEST(codec, attributes_after_integrity_are_ignored_except_fingerprint) {
  bytes key = short_term_key("k");
  bytes wire = encode(sample_message());
  append_message_integrity(wire, key);
  // A SOFTWARE attribute smuggled in after MESSAGE-INTEGRITY, then FINGERPRINT,
  // then another SOFTWARE after FINGERPRINT.
  message extra{method::allocate, message_class::request, test_id, {string_attribute(attr::software, "x")}};
  const bytes tail = encode(extra);
  wire.insert(wire.end(), tail.begin() + 20, tail.end());
  fix_length(wire);
  append_fingerprint(wire);
  wire.insert(wire.end(), tail.begin() + 20, tail.end());
  fix_length(wire);
  message m;
  ASSERT_FALSE(decode(wire, m));
  EXPECT_EQ(find(m, attr::software), nullptr);
  ASSERT_NE(find(m, attr::fingerprint), nullptr);
  EXPECT_EQ(m.attributes.back().type, attr::fingerprint);
  EXPECT_FALSE(check_message_integrity(wire, key));
}

TEST(codec, crc32_and_md5_known_answers) {
  const std::string text = "123456789";
  EXPECT_EQ(crc32(byte_view(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())),
            0xCBF43926u);
  EXPECT_EQ(crc32({}), 0u);
  // printf 'user:realm:pass' | md5sum
  EXPECT_EQ(long_term_key("user", "realm", "pass"),
            (bytes{0x84, 0x93, 0xfb, 0xc5, 0x3b, 0xa5, 0x82, 0xfb, 0x4c, 0x04, 0x4c, 0x45, 0x6b,
                   0xdc, 0x40, 0xeb}));
}

struct address_case {
  const char* ip;
  std::uint16_t port;
  const char* text;
};

class xor_addresses : public testing::TestWithParam<address_case> {};

TEST_P(xor_addresses, round_trip) {
  const auto& c = GetParam();
  const auto a = parse_address(c.ip, c.port);
  ASSERT_TRUE(a);
  EXPECT_EQ(to_string(*a), c.text);
  const attribute encoded = xor_address_attribute(attr::xor_relayed_address, *a, test_id);
  EXPECT_EQ(read_xor_address(encoded.value, test_id), a);
  message m{method::allocate, message_class::success, test_id, {encoded}};
  EXPECT_EQ(xor_address_value(m, attr::xor_relayed_address), a);
}

INSTANTIATE_TEST_SUITE_P(
    families, xor_addresses,
    testing::Values(address_case{"127.0.0.1", 3478, "127.0.0.1:3478"},
                    address_case{"0.0.0.0", 0, "0.0.0.0:0"},
                    address_case{"255.255.255.255", 65535, "255.255.255.255:65535"},
                    address_case{"::1", 50000, "[::1]:50000"},
                    address_case{"2001:db8::ff00:42:8329", 1, "[2001:db8::ff00:42:8329]:1"}));

TEST(attributes, malformed_values_are_rejected) {
  const std::vector<bytes> bad_addresses = {
      {},
      {0, 1, 0},
      {0, 3, 0, 0, 1, 2, 3, 4},                 // unknown family
      {0, 1, 0, 0, 1, 2, 3},                    // IPv4 too short
      {0, 1, 0, 0, 1, 2, 3, 4, 5},              // IPv4 too long
      {0, 2, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8},     // IPv6 too short
  };
  for (const auto& v : bad_addresses) {
    EXPECT_FALSE(read_xor_address(v, test_id)) << v.size();
  }
  EXPECT_FALSE(read_error_code(bytes{0, 0, 4}));
  EXPECT_FALSE(read_error_code(bytes{0, 0, 2, 0}));    // class 2 is not an error
  EXPECT_FALSE(read_error_code(bytes{0, 0, 4, 100}));  // number > 99
  EXPECT_FALSE(parse_address("not-an-ip", 1));
  message m{method::refresh, message_class::success, test_id, {{attr::lifetime, {0, 0, 1}}}};
  EXPECT_FALSE(u32_value(m, attr::lifetime));
}

TEST(attributes, error_code_round_trip) {
  struct error_case {
    int code;
    const char* reason;
  };
  for (const auto& c : {error_case{401, "Unauthorized"}, error_case{438, "Stale Nonce"},
                        error_case{300, ""}, error_case{699, "x"}}) {
    const attribute a = error_code_attribute(c.code, c.reason);
    const auto back = read_error_code(a.value);
    ASSERT_TRUE(back) << c.code;
    EXPECT_EQ(back->code, c.code);
    EXPECT_EQ(back->reason, c.reason);
  }
}

}  // namespace
