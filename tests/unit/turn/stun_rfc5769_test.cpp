// The STUN codec against the test vectors of RFC 5769 ("Test Vectors for
// Session Traversal Utilities for NAT (STUN)"), typed in from the RFC text.
// Their padding bytes are spaces (0x20), not zeros, on purpose.

#include "turn/stun/attributes.hpp"
#include "turn/stun/errors.hpp"
#include "turn/stun/integrity.hpp"
#include "turn/stun/message.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace {

using namespace switchboard::stun;

bytes hex(std::string_view text) {
  bytes out;
  std::string digits;
  for (char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c)) != 0) {
      digits += c;
    }
  }
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Section 2.1: Binding request, short-term credential, SOFTWARE, PRIORITY,
// ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY, FINGERPRINT.
const bytes sample_request = hex(
    "00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"
    "00 24 00 04 6e 00 01 ff"
    "80 29 00 08 93 2f f9 b1 51 26 3b 36"
    "00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20"
    "00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"
    "80 28 00 04 e5 7a 3b cf");

// Section 2.2: Binding success, XOR-MAPPED-ADDRESS 192.0.2.1:32853.
const bytes sample_ipv4_response = hex(
    "01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
    "00 20 00 08 00 01 a1 47 e1 12 a6 43"
    "00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7"
    "80 28 00 04 c0 7d 4c 96");

// Section 2.3: Binding success, XOR-MAPPED-ADDRESS
// [2001:db8:1234:5678:11:2233:4455:6677]:32853.
const bytes sample_ipv6_response = hex(
    "01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
    "00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9"
    "00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41"
    "80 28 00 04 c8 fb 0b 4c");

// Section 2.4: Binding request with a long-term credential (no FINGERPRINT).
const bytes sample_long_term_request = hex(
    "00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e"
    "00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00"
    "00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41"
    "00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00"
    "00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66");

const std::string short_term_password = "VOkJxbRl1RmTxUk/WvJxBt";
const std::string long_term_user = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
// "TheMatrIX" is the SASLprep'd form of the RFC's password.
bytes rfc_long_term_key() { return long_term_key(long_term_user, "example.org", "TheMatrIX"); }

struct vector_case {
  const char* name;
  const bytes* wire;
  bytes key;
  std::uint16_t method;
  message_class cls;
  bool has_fingerprint;
};

class rfc5769 : public testing::TestWithParam<vector_case> {};

std::string case_name(const testing::TestParamInfo<vector_case>& p) { return p.param.name; }

TEST_P(rfc5769, decodes_and_verifies) {
  const auto& c = GetParam();
  message m;
  ASSERT_FALSE(decode(*c.wire, m));
  EXPECT_EQ(m.method, c.method);
  EXPECT_EQ(m.cls, c.cls);
  EXPECT_EQ(check_message_integrity(*c.wire, c.key), std::error_code{});
  bytes wrong_key = c.key;
  wrong_key.back() ^= 1;
  EXPECT_EQ(check_message_integrity(*c.wire, wrong_key), errc::integrity_mismatch);
  if (c.has_fingerprint) {
    EXPECT_EQ(check_fingerprint(*c.wire), std::error_code{});
  } else {
    EXPECT_EQ(check_fingerprint(*c.wire), errc::fingerprint_missing);
  }
}

TEST_P(rfc5769, any_flipped_bit_breaks_a_check) {
  const auto& c = GetParam();
  // Past the header length field, every byte is covered by MESSAGE-INTEGRITY
  // or FINGERPRINT (padding included), so one flipped bit must be noticed.
  for (std::size_t i = 4; i < c.wire->size(); ++i) {
    bytes flipped = *c.wire;
    flipped[i] ^= 0x10;
    const bool integrity_ok = !check_message_integrity(flipped, c.key);
    const bool fingerprint_ok = !c.has_fingerprint || !check_fingerprint(flipped);
    EXPECT_FALSE(integrity_ok && fingerprint_ok) << "byte " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    vectors, rfc5769,
    testing::Values(
        vector_case{"sample_request", &sample_request, short_term_key(short_term_password),
                    method::binding, message_class::request, true},
        vector_case{"ipv4_response", &sample_ipv4_response, short_term_key(short_term_password),
                    method::binding, message_class::success, true},
        vector_case{"ipv6_response", &sample_ipv6_response, short_term_key(short_term_password),
                    method::binding, message_class::success, true},
        vector_case{"long_term_request", &sample_long_term_request, rfc_long_term_key(),
                    method::binding, message_class::request, false}),
    case_name);

TEST(rfc5769_contents, sample_request_attributes_in_order_unknown_ones_kept) {
  message m;
  ASSERT_FALSE(decode(sample_request, m));
  EXPECT_EQ(m.id, (transaction_id{0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87,
                                  0xdf, 0xae}));
  ASSERT_EQ(m.attributes.size(), 6u);
  EXPECT_EQ(m.attributes[1].type, 0x0024);  // PRIORITY: unknown to us, kept verbatim
  EXPECT_EQ(m.attributes[1].value, hex("6e 00 01 ff"));
  EXPECT_EQ(m.attributes[2].type, 0x8029);  // ICE-CONTROLLED
  EXPECT_EQ(string_value(m, attr::software), "STUN test client");
  EXPECT_EQ(string_value(m, attr::username), "evtj:h6vY");
}

TEST(rfc5769_contents, xor_mapped_addresses) {
  message v4;
  message v6;
  ASSERT_FALSE(decode(sample_ipv4_response, v4));
  ASSERT_FALSE(decode(sample_ipv6_response, v6));
  EXPECT_EQ(string_value(v4, attr::software), "test vector");
  const auto a4 = xor_address_value(v4, attr::xor_mapped_address);
  const auto a6 = xor_address_value(v6, attr::xor_mapped_address);
  ASSERT_TRUE(a4 && a6);
  EXPECT_EQ(to_string(*a4), "192.0.2.1:32853");
  EXPECT_EQ(to_string(*a6), "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
  // And the encoder produces the RFC's bytes.
  EXPECT_EQ(xor_address_attribute(attr::xor_mapped_address, *a4, v4.id).value,
            find(v4, attr::xor_mapped_address)->value);
  EXPECT_EQ(xor_address_attribute(attr::xor_mapped_address, *a6, v6.id).value,
            find(v6, attr::xor_mapped_address)->value);
}

TEST(rfc5769_contents, long_term_request_reencodes_byte_for_byte) {
  message m;
  ASSERT_FALSE(decode(sample_long_term_request, m));
  EXPECT_EQ(string_value(m, attr::username), long_term_user);
  EXPECT_EQ(string_value(m, attr::nonce), "f//499k954d6OL34oL9FSTvy64sA");
  EXPECT_EQ(string_value(m, attr::realm), "example.org");
  std::erase_if(m.attributes, [](const attribute& a) { return a.type == attr::message_integrity; });
  signing sign;
  sign.key = rfc_long_term_key();
  EXPECT_EQ(encode(m, sign), sample_long_term_request);
}

TEST(rfc5769_contents, responses_resigned_with_zero_padding_still_verify) {
  message m;
  ASSERT_FALSE(decode(sample_ipv4_response, m));
  std::erase_if(m.attributes, [](const attribute& a) {
    return a.type == attr::message_integrity || a.type == attr::fingerprint;
  });
  signing sign;
  sign.key = short_term_key(short_term_password);
  sign.fingerprint = true;
  const bytes wire = encode(m, sign);
  EXPECT_EQ(wire.size(), sample_ipv4_response.size());
  EXPECT_FALSE(check_message_integrity(wire, *sign.key));
  EXPECT_FALSE(check_fingerprint(wire));
}

}  // namespace
