// Decoding untrusted input: every framing fault is reported as an error code,
// and no input (truncated, bit-flipped, random) makes the decoder read out of
// bounds (run under ASan to check the latter).

#include "turn/stun/attributes.hpp"
#include "turn/stun/errors.hpp"
#include "turn/stun/integrity.hpp"
#include "turn/stun/message.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <random>

namespace {

using namespace switchboard::stun;

// A Binding request with SOFTWARE "abcd" (8 bytes) and USERNAME "u" (padded).
bytes good_message() {
  message m{method::binding, message_class::request, {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}, {}};
  m.attributes.push_back(string_attribute(attr::software, "abcd"));
  m.attributes.push_back(string_attribute(attr::username, "u"));
  return encode(m);  // 20 + 8 + 8 = 36 bytes
}

void set_length(bytes& wire, std::size_t n) {
  wire[2] = static_cast<std::uint8_t>(n >> 8);
  wire[3] = static_cast<std::uint8_t>(n);
}

struct malformed_case {
  const char* name;
  std::function<void(bytes&)> mutate;
  errc expected;
};

class malformed : public testing::TestWithParam<malformed_case> {};

std::string case_name(const testing::TestParamInfo<malformed_case>& p) { return p.param.name; }

TEST_P(malformed, is_rejected_with_its_error) {
  bytes wire = good_message();
  GetParam().mutate(wire);
  message m;
  EXPECT_EQ(decode(wire, m), GetParam().expected);
  std::vector<attribute_view> views;
  EXPECT_EQ(index_attributes(wire, views), GetParam().expected);
  EXPECT_EQ(check_fingerprint(wire), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    framing, malformed,
    testing::Values(
        malformed_case{"empty", [](bytes& w) { w.clear(); }, errc::truncated_header},
        malformed_case{"truncated_header", [](bytes& w) { w.resize(19); }, errc::truncated_header},
        malformed_case{"leading_bits_set", [](bytes& w) { w[0] |= 0x80; }, errc::not_stun},
        malformed_case{"rtp_like_first_byte", [](bytes& w) { w[0] = 0x40; }, errc::not_stun},
        malformed_case{"bad_magic_cookie", [](bytes& w) { w[7] ^= 0x01; }, errc::bad_magic_cookie},
        malformed_case{"rfc3489_zero_cookie", [](bytes& w) { std::fill(w.begin() + 4, w.begin() + 8, 0); },
                       errc::bad_magic_cookie},
        malformed_case{"length_past_datagram", [](bytes& w) { set_length(w, 20); },
                       errc::length_mismatch},
        malformed_case{"truncated_body", [](bytes& w) { w.resize(w.size() - 4); },
                       errc::length_mismatch},
        malformed_case{"trailing_bytes", [](bytes& w) { w.push_back(0); },
                       errc::length_mismatch},
        malformed_case{"length_cuts_attribute",
                       [](bytes& w) {
                         w.resize(32);
                         set_length(w, 12);
                       },
                       errc::attribute_overflow},
        malformed_case{"attribute_length_past_end", [](bytes& w) { w[31] = 9; },
                       errc::attribute_overflow},
        malformed_case{"attribute_length_huge", [](bytes& w) { w[22] = 0xff; },
                       errc::attribute_overflow},
        malformed_case{"last_attribute_unpadded",
                       [](bytes& w) {
                         w.resize(w.size() - 3);
                         set_length(w, w.size() - 20);
                       },
                       errc::bad_padding},
        malformed_case{"odd_length_partial_header",
                       [](bytes& w) {
                         w.resize(23);
                         set_length(w, 3);
                       },
                       errc::attribute_overflow}),
    case_name);

TEST(malformed_integrity, wrong_sized_integrity_and_fingerprint_values) {
  message m{method::binding, message_class::success, {}, {}};
  m.attributes.push_back({attr::message_integrity, bytes(19, 0)});
  m.attributes.push_back({attr::fingerprint, bytes(3, 0)});
  const bytes wire = encode(m);
  EXPECT_EQ(check_message_integrity(wire, short_term_key("k")), errc::bad_attribute);
  EXPECT_EQ(check_fingerprint(wire), errc::bad_attribute);
}

TEST(malformed_integrity, error_codes_have_messages) {
  for (int e = static_cast<int>(errc::truncated_header);
       e <= static_cast<int>(errc::fingerprint_mismatch); ++e) {
    const std::error_code ec = static_cast<errc>(e);
    EXPECT_EQ(ec.category().name(), std::string("stun"));
    EXPECT_NE(ec.message(), "unknown STUN error") << e;
  }
}

// Whatever the input, decode either fails or yields attributes that fit.
void expect_safe(const bytes& input) {
  message m;
  if (!decode(input, m)) {
    std::size_t total = header_size;
    for (const auto& a : m.attributes) {
      total += 4 + padded(a.value.size());
      (void)read_xor_address(a.value, m.id);
      (void)read_error_code(a.value);
    }
    EXPECT_LE(total, input.size());
  }
  (void)check_message_integrity(input, short_term_key("k"));
  (void)check_fingerprint(input);
}

TEST(malformed_fuzz, truncations_flips_and_noise_never_crash) {
  signing sign;
  sign.key = short_term_key("k");
  sign.fingerprint = true;
  const bytes seed = encode(
      message{method::allocate, message_class::success, {},
              {xor_address_attribute(attr::xor_relayed_address, *parse_address("::1", 9), {}),
               error_code_attribute(438, "Stale Nonce"), u32_attribute(attr::lifetime, 1)}},
      sign);
  for (std::size_t n = 0; n < seed.size(); ++n) {
    const bytes cut(seed.begin(), seed.begin() + static_cast<std::ptrdiff_t>(n));
    message m;
    EXPECT_TRUE(decode(cut, m)) << "a strict prefix must not decode, length " << n;
  }
  std::mt19937 rng(5769);  // fixed seed: failures are reproducible
  for (int i = 0; i < 20000; ++i) {
    bytes input = seed;
    if (i % 2 == 0) {
      input[rng() % input.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      input[rng() % input.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    } else {
      input.resize(20 + 4 * (rng() % 24));
      for (std::size_t k = 20; k < input.size(); ++k) {
        input[k] = static_cast<std::uint8_t>(rng());
      }
      set_length(input, input.size() - 20);
    }
    expect_safe(input);
  }
}

}  // namespace
