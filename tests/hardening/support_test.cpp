// The attack tests' own helpers: a log check that let invalid lines through,
// or a frame parser that missed a close frame, would make every attack test
// pass for the wrong reason.

#include "tests/hardening/server_probe.hpp"
#include "tests/hardening/ws_raw.hpp"

#include <gtest/gtest.h>

namespace switchboard::test {
namespace {

struct utf8_case {
  std::string bytes;
  bool valid;
};

TEST(hardening_support, valid_utf8) {
  const std::vector<utf8_case> cases{
      {"", true},
      {"plain ascii", true},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", true},
      {"\xff", false},
      {"\xc3\x28", false},          // lead byte, then no continuation
      {"\xc3", false},              // truncated at the end
      {"\xe2\x82", false},          // truncated three-byte sequence
      {"\xc0\xaf", false},          // overlong '/'
      {"\xe0\x80\xaf", false},      // overlong, three bytes
      {"\xed\xa0\x80", false},      // UTF-16 surrogate
      {"\xf4\x90\x80\x80", false},  // past U+10FFFF
      {"\x80", false},              // lone continuation byte
  };
  for (const auto& c : cases) EXPECT_EQ(valid_utf8(c.bytes), c.valid) << testing::PrintToString(c.bytes);
}

// Server frames are unmasked; build them by hand.
std::string server_bytes(ws_op op, const std::string& payload) {
  std::string out{static_cast<char>(0x80 | static_cast<int>(op))};
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(payload.size()));
  } else {
    out.push_back(126);
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xff));
  }
  return out + payload;
}

TEST(hardening_support, take_frames_finds_the_close_code_after_other_frames) {
  std::string stream = server_bytes(ws_op::pong, "p") + server_bytes(ws_op::text, std::string(300, 't')) +
                       server_bytes(ws_op::close, std::string("\x03\xf0", 2) + "policy");
  const std::string tail = stream.substr(stream.size() - 3);
  stream.resize(stream.size() - 3);  // the close frame arrives in two pieces
  auto frames = take_frames(stream);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1].payload.size(), 300u);
  EXPECT_FALSE(close_code_in(frames));
  stream += tail;
  frames = take_frames(stream);
  EXPECT_TRUE(stream.empty());
  EXPECT_EQ(close_code_in(frames), 1008);
}

TEST(hardening_support, client_frames_are_masked_and_announce_their_length) {
  const auto frame = client_frame(ws_op::ping, "abc");
  ASSERT_EQ(frame.size(), 2u + 4u + 3u);
  EXPECT_EQ(static_cast<unsigned char>(frame[0]), 0x89);
  EXPECT_EQ(static_cast<unsigned char>(frame[1]), 0x80 | 3);
  EXPECT_EQ(mask_payload(frame.substr(6)), "abc");  // masking twice gives the payload back
  const auto big = frame_header(ws_op::text, 250 * 1024);
  ASSERT_EQ(big.size(), 2u + 8u + 4u);
  EXPECT_EQ(static_cast<unsigned char>(big[1]), 0x80 | 127);
  // Masking a trickled byte at an offset equals masking the whole payload at once.
  EXPECT_EQ(mask_payload("wxyz").substr(2, 1), mask_payload("y", 2));
}

}  // namespace
}  // namespace switchboard::test
