// The RFC 6455 frame parser and encoder (signaling/net/ws_frame): every row is
// fed whole, one byte at a time and in uneven chunks, and must give the same events.

#include "signaling/net/ws_frame.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace switchboard::net::ws {
namespace {

using kind = event::kind;

struct frame_spec {
  bool fin = true;
  std::uint8_t op = 1;
  std::string payload;
  bool masked = true;
  std::uint8_t rsv = 0;     // bits 4-6 of the first byte
  int length_form = 0;      // 0: shortest; 7, 16 or 64: force that form
};

// A client frame as a browser would send it (masked with a fixed key).
std::string client_frame(const frame_spec& f) {
  std::string out;
  out.push_back(static_cast<char>((f.fin ? 0x80 : 0) | (f.rsv << 4) | f.op));
  const std::uint64_t n = f.payload.size();
  const int form = f.length_form != 0 ? f.length_form : n < 126 ? 7 : n <= 0xFFFF ? 16 : 64;
  const char mask_bit = f.masked ? static_cast<char>(0x80) : 0;
  if (form == 7) {
    out.push_back(static_cast<char>(mask_bit | static_cast<char>(n)));
  } else {
    out.push_back(static_cast<char>(mask_bit | (form == 16 ? 126 : 127)));
    for (int i = form / 8 - 1; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  if (f.masked) out.append(key, 4);
  for (std::size_t i = 0; i < f.payload.size(); ++i) {
    out.push_back(f.masked ? static_cast<char>(f.payload[i] ^ key[i % 4]) : f.payload[i]);
  }
  return out;
}

std::string text(std::string payload, bool fin = true) { return client_frame({fin, 1, std::move(payload)}); }
std::string cont(std::string payload, bool fin = true) { return client_frame({fin, 0, std::move(payload)}); }
std::string control(std::uint8_t op, std::string payload) { return client_frame({true, op, std::move(payload)}); }
std::string close_payload(std::uint16_t code, std::string reason = {}) {
  return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)} + reason;
}

struct expected {
  kind what;
  std::string payload;
  std::uint16_t code = 0;
  bool operator==(const expected&) const = default;
};

std::ostream& operator<<(std::ostream& os, const expected& e) {
  return os << "{kind " << static_cast<int>(e.what) << ", " << e.payload.size() << " bytes, code " << e.code << "}";
}

struct parser_case {
  const char* name;
  std::string input;
  std::vector<expected> events;
  std::size_t limit = 1 << 20;
  std::size_t hard_limit = 0;  // 0: the same as limit
};

// Feeds `input` in chunks of `chunk` bytes (0 = whole); stops at the first error.
std::vector<expected> run(const parser_case& c, std::size_t chunk) {
  frame_parser parser(c.limit, c.hard_limit);
  std::vector<expected> out;
  std::string buf = c.input;  // writable: unmasked in place
  std::size_t at = 0;
  while (at < buf.size()) {
    const std::size_t n = chunk == 0 ? buf.size() - at : std::min(chunk, buf.size() - at);
    std::span<char> in(buf.data() + at, n);
    at += n;
    for (;;) {
      const event e = parser.next(in);
      if (e.what == kind::need_more) break;
      const auto payload = e.what == kind::error      ? std::string()
                           : e.what == kind::oversize ? std::to_string(e.size)
                                                      : std::string(e.payload);
      out.push_back({e.what, payload, e.code});
      if (e.what == kind::error) return out;
    }
    EXPECT_TRUE(in.empty());
  }
  return out;
}

class FrameParser : public ::testing::TestWithParam<parser_case> {};

TEST_P(FrameParser, SameEventsHoweverTheInputIsSplit) {
  const auto& c = GetParam();
  EXPECT_EQ(run(c, 0), c.events) << "whole";
  EXPECT_EQ(run(c, 1), c.events) << "byte by byte";
  EXPECT_EQ(run(c, 7), c.events) << "7-byte chunks";
  EXPECT_EQ(run(c, 300), c.events) << "300-byte chunks";
}

const std::string big(70000, 'b');
const std::string mid(300, 'm');

INSTANTIATE_TEST_SUITE_P(
    Cases, FrameParser,
    ::testing::Values(
        parser_case{"text_7bit_length", text("hello"), {{kind::text, "hello"}}},
        parser_case{"text_16bit_length", text(mid), {{kind::text, mid}}},
        parser_case{"text_64bit_length", text(big), {{kind::text, big}}},
        parser_case{"empty_text", text(""), {{kind::text, ""}}},
        parser_case{"binary", client_frame({true, 2, "\x01\x02"}), {{kind::binary, "\x01\x02"}}},
        parser_case{"many_frames_in_one_feed", text("a") + text(mid) + control(9, "p") + text("c"),
                    {{kind::text, "a"}, {kind::text, mid}, {kind::ping, "p"}, {kind::text, "c"}}},
        parser_case{"fragmented_message", text("Hel", false) + cont("lo", false) + cont(" world"),
                    {{kind::text, "Hello world"}}},
        parser_case{"fragmented_binary", client_frame({false, 2, "ab"}) + cont("cd"), {{kind::binary, "abcd"}}},
        parser_case{"control_frames_inside_a_fragmented_message",
                    text("a", false) + control(9, "p") + cont("b", false) + control(10, "q") + cont("c"),
                    {{kind::ping, "p"}, {kind::pong, "q"}, {kind::text, "abc"}}},
        parser_case{"fragments_then_a_whole_message", text("a", false) + cont(mid) + text("z"),
                    {{kind::text, "a" + mid}, {kind::text, "z"}}},
        parser_case{"ping_and_pong", control(9, "x") + control(10, "y"), {{kind::ping, "x"}, {kind::pong, "y"}}},
        parser_case{"close_with_code_and_reason", control(8, close_payload(1000, "bye")),
                    {{kind::close, "bye", 1000}}},
        parser_case{"close_without_code", control(8, ""), {{kind::close, "", 1005}}},
        parser_case{"close_application_code", control(8, close_payload(4100)), {{kind::close, "", 4100}}},
        parser_case{"close_one_byte_payload", control(8, "x"), {{kind::error, "", 1002}}},
        parser_case{"close_code_1005_on_the_wire", control(8, close_payload(1005)), {{kind::error, "", 1002}}},
        parser_case{"close_code_999", control(8, close_payload(999)), {{kind::error, "", 1002}}},
        parser_case{"close_code_5000", control(8, close_payload(5000)), {{kind::error, "", 1002}}},
        parser_case{"unmasked_client_frame", client_frame({true, 1, "hi", false}), {{kind::error, "", 1002}}},
        parser_case{"rsv1_set", client_frame({true, 1, "hi", true, 4}), {{kind::error, "", 1002}}},
        parser_case{"rsv2_set", client_frame({true, 1, "hi", true, 2}), {{kind::error, "", 1002}}},
        parser_case{"rsv3_set", client_frame({true, 1, "hi", true, 1}), {{kind::error, "", 1002}}},
        parser_case{"reserved_data_opcode", client_frame({true, 3, "hi"}), {{kind::error, "", 1002}}},
        parser_case{"reserved_control_opcode", client_frame({true, 0xB, ""}), {{kind::error, "", 1002}}},
        parser_case{"control_frame_over_125_bytes", control(9, std::string(126, 'p')), {{kind::error, "", 1002}}},
        parser_case{"fragmented_control_frame", client_frame({false, 9, "p"}), {{kind::error, "", 1002}}},
        parser_case{"continuation_without_a_message", cont("x"), {{kind::error, "", 1002}}},
        parser_case{"new_message_inside_a_fragmented_one", text("a", false) + text("b"), {{kind::error, "", 1002}}},
        parser_case{"non_minimal_16bit_length", client_frame({true, 1, "abc", true, 0, 16}),
                    {{kind::error, "", 1002}}},
        parser_case{"non_minimal_64bit_length", client_frame({true, 1, mid, true, 0, 64}),
                    {{kind::error, "", 1002}}},
        parser_case{"64bit_length_with_the_top_bit_set",
                    std::string("\x81\xFF\x80\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04", 14),
                    {{kind::error, "", 1002}}},
        parser_case{"message_at_the_limit", text(std::string(1000, 'x')), {{kind::text, std::string(1000, 'x')}},
                    1000},
        parser_case{"message_over_the_limit", text("ok") + text(std::string(1001, 'x')),
                    {{kind::text, "ok"}, {kind::error, "", 1009}}, 1000},
        parser_case{"fragments_over_the_limit", text(std::string(600, 'x'), false) + cont(std::string(401, 'y')),
                    {{kind::error, "", 1009}}, 1000},
        parser_case{"frames_before_an_error_are_delivered", text("a") + control(9, "p") + cont("x"),
                    {{kind::text, "a"}, {kind::ping, "p"}, {kind::error, "", 1002}}},
        parser_case{"oversize_message_is_discarded_then_parsing_goes_on", text(std::string(200, 'x')) + text("ok"),
                    {{kind::oversize, "200"}, {kind::text, "ok"}}, 100, 1000},
        parser_case{"oversize_fragmented_message_with_a_ping_inside",
                    text(std::string(60, 'a'), false) + control(9, "p") + cont(std::string(60, 'b')) + text("ok"),
                    {{kind::ping, "p"}, {kind::oversize, "120"}, {kind::text, "ok"}}, 100, 1000},
        parser_case{"oversize_empty_final_fragment", text(std::string(150, 'a'), false) + cont("") + text("ok"),
                    {{kind::oversize, "150"}, {kind::text, "ok"}}, 100, 1000},
        parser_case{"over_the_hard_limit_fails", text(std::string(200, 'x')), {{kind::error, "", 1009}}, 100, 150},
        parser_case{"fragments_over_the_hard_limit_fail",
                    text(std::string(90, 'a'), false) + cont(std::string(90, 'b')),
                    {{kind::error, "", 1009}}, 100, 150},
        parser_case{"close_reason_utf8", control(8, close_payload(1000, "caf\xc3\xa9")),
                    {{kind::close, "caf\xc3\xa9", 1000}}},
        parser_case{"close_reason_invalid_utf8", control(8, close_payload(1000, "bad\xff")),
                    {{kind::error, "", 1007}}},
        parser_case{"close_reason_surrogate", control(8, close_payload(1001, "\xed\xa0\x80")),
                    {{kind::error, "", 1007}}}),
    [](const ::testing::TestParamInfo<parser_case>& row) { return std::string(row.param.name); });

TEST(FrameParser, StaysFailedAfterAnError) {
  frame_parser parser(1024);
  std::string bad = client_frame({true, 1, "hi", false}) + text("fine");
  std::span<char> in(bad);
  EXPECT_EQ(parser.next(in).what, kind::error);
  std::string good = text("fine");
  std::span<char> more(good);
  const auto e = parser.next(more);
  EXPECT_EQ(e.what, kind::error);
  EXPECT_EQ(e.code, 1002);
}

TEST(FrameParser, KeepsNoBufferOnceAPartialFrameIsDone) {
  frame_parser parser(1 << 20);
  std::string frame = text(mid);
  std::span<char> first(frame.data(), 100);
  EXPECT_EQ(parser.next(first).what, kind::need_more);
  EXPECT_EQ(parser.buffered(), 100u);
  std::span<char> rest(frame.data() + 100, frame.size() - 100);
  EXPECT_EQ(parser.next(rest).what, kind::text);
  EXPECT_EQ(parser.next(rest).what, kind::need_more);
  EXPECT_EQ(parser.buffered(), 0u);
}

TEST(FrameParser, DiscardingBuffersNothingWhateverTheAnnouncedSize) {
  frame_parser parser(1000, 1 << 20);
  std::string frame = text(std::string(500000, 'z'));
  std::size_t most = 0;
  event last;
  for (std::size_t at = 0; at < frame.size(); at += 7) {
    std::span<char> in(frame.data() + at, std::min<std::size_t>(7, frame.size() - at));
    for (event e = parser.next(in); e.what != kind::need_more; e = parser.next(in)) last = e;
    most = std::max(most, parser.buffered());
    EXPECT_TRUE(parser.in_message() || at + 7 >= frame.size());
  }
  EXPECT_LE(most, 14u);  // a header at most
  EXPECT_EQ(last.what, kind::oversize);
  EXPECT_EQ(last.size, 500000u);
  EXPECT_FALSE(parser.in_message());
}

TEST(FrameParser, DoesNotReserveTheAnnouncedSize) {
  frame_parser parser(64 * 1024);
  std::string frame = text(std::string(60000, 'z'));
  std::span<char> head(frame.data(), 20);
  EXPECT_EQ(parser.next(head).what, kind::need_more);
  EXPECT_LE(parser.buffered(), 20u);
  EXPECT_TRUE(parser.in_message());
}

struct utf8_case {
  const char* name;
  std::string bytes;
  bool valid;
};

class Utf8 : public ::testing::TestWithParam<utf8_case> {};

TEST_P(Utf8, MatchesRfc3629) { EXPECT_EQ(valid_utf8(GetParam().bytes), GetParam().valid); }

INSTANTIATE_TEST_SUITE_P(
    Cases, Utf8,
    ::testing::Values(utf8_case{"ascii", "hello", true}, utf8_case{"empty", "", true},
                      utf8_case{"two_bytes", "\xc3\xa9", true}, utf8_case{"three_bytes", "\xe2\x82\xac", true},
                      utf8_case{"four_bytes_max", "\xf4\x8f\xbf\xbf", true},
                      utf8_case{"over_max", "\xf4\x90\x80\x80", false},
                      utf8_case{"overlong_two", "\xc0\xaf", false}, utf8_case{"overlong_three", "\xe0\x80\xaf", false},
                      utf8_case{"overlong_four", "\xf0\x80\x80\xaf", false},
                      utf8_case{"surrogate", "\xed\xa0\x80", false}, utf8_case{"lone_continuation", "\x80", false},
                      utf8_case{"truncated", "\xe2\x82", false}, utf8_case{"bad_continuation", "\xe2\x28\xa1", false},
                      utf8_case{"ff", "\xff", false}),
    [](const ::testing::TestParamInfo<utf8_case>& row) { return std::string(row.param.name); });

struct header_case {
  std::size_t size;
  std::string bytes;
};

class EncodeHeader : public ::testing::TestWithParam<header_case> {};

TEST_P(EncodeHeader, ShortestLengthFormUnmasked) {
  const auto& c = GetParam();
  EXPECT_EQ(std::string(encode_header(opcode::text, c.size).view()), c.bytes);
}

INSTANTIATE_TEST_SUITE_P(Sizes, EncodeHeader,
                         ::testing::Values(header_case{0, std::string("\x81\x00", 2)}, header_case{125, "\x81\x7D"},
                                           header_case{126, std::string("\x81\x7E\x00\x7E", 4)},
                                           header_case{65535, "\x81\x7E\xFF\xFF"},
                                           header_case{65536, std::string("\x81\x7F\x00\x00\x00\x00\x00\x01\x00\x00", 10)}));

TEST(EncodeFrame, ControlFrames) {
  EXPECT_EQ(encode_frame(opcode::pong, "hi"), "\x8A\x02hi");
  EXPECT_EQ(encode_frame(opcode::ping, ""), std::string("\x89\x00", 2));
  EXPECT_EQ(encode_close(4001), std::string("\x88\x02\x0F\xA1", 4));
  EXPECT_EQ(encode_close(1000, "bye"), std::string("\x88\x05\x03\xE8", 4) + "bye");
  EXPECT_EQ(encode_close(close_status::no_status), std::string("\x88\x00", 2));
  // A reason is cut so the frame stays a valid control frame.
  EXPECT_EQ(encode_close(1000, std::string(200, 'r')).size(), 2u + max_control_payload);
}

TEST(ValidCloseCode, Ranges) {
  for (std::uint16_t c : {1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4000, 4999}) {
    EXPECT_TRUE(valid_close_code(c)) << c;
  }
  for (std::uint16_t c : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}) EXPECT_FALSE(valid_close_code(c)) << c;
}

TEST(Unmask, MatchesTheBytewiseDefinition) {
  const std::array<char, 4> key{'\x01', '\x7F', '\x80', '\xFF'};
  for (std::size_t n = 0; n < 40; ++n) {
    std::string data;
    for (std::size_t i = 0; i < n; ++i) data.push_back(static_cast<char>(i * 37 + 11));
    std::string want = data;
    for (std::size_t i = 0; i < n; ++i) want[i] = static_cast<char>(want[i] ^ key[i % 4]);
    unmask(data, key);
    EXPECT_EQ(data, want) << n << " bytes";
  }
}

}  // namespace
}  // namespace switchboard::net::ws
