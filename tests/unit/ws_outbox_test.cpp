// The outbound side of a WebSocket connection (signaling/net/ws_outbox and
// ws_close): gather writes of any size resume exactly where the last one
// stopped, control bytes go out at frame boundaries, closing follows RFC 6455.

#include "signaling/net/ws_close.hpp"
#include "signaling/net/ws_outbox.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchboard::net::ws {
namespace {

using after = close_state::after_flush;

std::string flatten(const std::vector<std::span<const char>>& pieces) {
  std::string s;
  for (const auto& p : pieces) s.append(p.data(), p.size());
  return s;
}

// Writes up to `n` bytes of the next gather; returns them and reports what was sent.
std::string write_some(outbox& box, std::size_t n, std::vector<std::string>* sent = nullptr,
                       std::size_t max_buffers = 64) {
  std::vector<std::span<const char>> pieces;
  std::vector<frame_header> headers;
  box.gather(pieces, headers, max_buffers);
  const std::string all = flatten(pieces);
  const std::string out = all.substr(0, n);
  box.consume(out.size(), [&](const core::outbound_ptr& m) {
    if (sent) sent->push_back(m->text);
  });
  return out;
}

class OutboxPartialWrites : public ::testing::TestWithParam<std::size_t> {};

// Whatever size each write has, the byte stream is the frames in order, with
// the control bytes pushed first.
TEST_P(OutboxPartialWrites, ResumeWhereTheLastWriteStopped) {
  const std::size_t chunk = GetParam();
  outbox box(100, 1 << 20);
  const std::vector<std::string> texts{"one", std::string(200, 'b'), "", std::string(70000, 'd'), "five"};
  box.push_control("HTTP/1.1 101\r\n\r\n");
  std::string expected = "HTTP/1.1 101\r\n\r\n";
  for (const auto& t : texts) {
    ASSERT_TRUE(box.push(core::make_reply(t)));
    expected += encode_frame(opcode::text, t);
  }
  std::string written;
  std::vector<std::string> sent;
  while (!box.empty()) written += write_some(box, chunk, &sent);
  EXPECT_EQ(written, expected);
  EXPECT_EQ(sent, texts);
  EXPECT_EQ(box.queued_bytes(), 0u);
}

INSTANTIATE_TEST_SUITE_P(ChunkSizes, OutboxPartialWrites, ::testing::Values(1, 3, 7, 128, 4096, 1 << 20));

// A byte bound on a gather (TLS copies what it gathers) still takes at least
// one message, and the stream stays the same over several gathers.
TEST(Outbox, GatherStopsAtTheByteBound) {
  outbox box(100, 1 << 20);
  std::string expected;
  for (int i = 0; i < 10; ++i) {
    const std::string text(1000, static_cast<char>('a' + i));
    ASSERT_TRUE(box.push(core::make_reply(text)));
    expected += encode_frame(opcode::text, text);
  }
  std::string written;
  while (!box.empty()) {
    std::vector<std::span<const char>> pieces;
    std::vector<frame_header> headers;
    box.gather(pieces, headers, 64, 2500);
    const std::string all = flatten(pieces);
    EXPECT_LE(all.size(), 3u * 1004u);  // stops once 2500 bytes are in: three frames at most
    EXPECT_FALSE(all.empty());
    written += all;
    box.consume(all.size(), [](const core::outbound_ptr&) {});
  }
  EXPECT_EQ(written, expected);
}

TEST(Outbox, ControlBytesWaitForTheFrameBoundary) {
  outbox box(10, 1000);
  ASSERT_TRUE(box.push(core::make_reply("first")));
  ASSERT_TRUE(box.push(core::make_reply("second")));
  std::string written = write_some(box, 3);  // inside the first frame
  box.push_control(encode_frame(opcode::pong, "p"));
  while (!box.empty()) written += write_some(box, 1 << 20);
  EXPECT_EQ(written, encode_frame(opcode::text, "first") + encode_frame(opcode::pong, "p") +
                         encode_frame(opcode::text, "second"));
}

TEST(Outbox, WhatIsPushedDuringAWriteGoesAfterIt) {
  outbox box(10, 1000);
  ASSERT_TRUE(box.push(core::make_reply("a")));
  std::vector<std::span<const char>> pieces;
  std::vector<frame_header> headers;
  box.gather(pieces, headers, 64);
  const std::string in_flight = flatten(pieces);
  box.push_control("C");
  ASSERT_TRUE(box.push(core::make_reply("b")));
  box.consume(in_flight.size(), [](const core::outbound_ptr&) {});
  EXPECT_EQ(in_flight, encode_frame(opcode::text, "a"));
  EXPECT_EQ(write_some(box, 1 << 20), std::string("C").append(encode_frame(opcode::text, "b")));
  EXPECT_TRUE(box.empty());
}

TEST(Outbox, DropQueuedKeepsAPartlyWrittenFrame) {
  outbox box(10, 1000);
  for (const char* t : {"aaaa", "bbbb", "cccc"}) ASSERT_TRUE(box.push(core::make_reply(t)));
  std::string written = write_some(box, 2, nullptr, 2);  // gathers only the first frame
  box.drop_queued();
  EXPECT_EQ(box.queued_messages(), 1u);
  while (!box.empty()) written += write_some(box, 1 << 20);
  EXPECT_EQ(written, encode_frame(opcode::text, "aaaa"));
}

TEST(Outbox, DropQueuedKeepsWhatAWriteInFlightHolds) {
  outbox box(10, 1000);
  ASSERT_TRUE(box.push(core::make_reply("a")));
  ASSERT_TRUE(box.push(core::make_reply("b")));
  std::vector<std::span<const char>> pieces;
  std::vector<frame_header> headers;
  box.gather(pieces, headers, 64);
  const std::size_t n = flatten(pieces).size();
  ASSERT_TRUE(box.push(core::make_reply("c")));
  box.drop_queued();
  EXPECT_EQ(box.queued_messages(), 2u);
  std::vector<std::string> sent;
  box.consume(n, [&](const core::outbound_ptr& m) { sent.push_back(m->text); });
  EXPECT_EQ(sent, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(box.empty());
}

TEST(Outbox, GatherRespectsTheBufferLimit) {
  outbox box(100, 10000);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(box.push(core::make_reply(std::string("m").append(std::to_string(i)))));
  std::vector<std::span<const char>> pieces;
  std::vector<frame_header> headers;
  box.gather(pieces, headers, 4);
  EXPECT_EQ(pieces.size(), 4u);
  std::vector<std::string> sent;
  box.consume(flatten(pieces).size(), [&](const core::outbound_ptr& m) { sent.push_back(m->text); });
  EXPECT_EQ(sent, (std::vector<std::string>{"m0", "m1"}));
  EXPECT_EQ(box.queued_messages(), 8u);
}

TEST(Outbox, BoundsCountWhatIsNotWrittenYet) {
  outbox box(2, 1000);
  ASSERT_TRUE(box.push(core::make_reply("a")));
  ASSERT_TRUE(box.push(core::make_reply("b")));
  EXPECT_FALSE(box.push(core::make_reply("c")));
  write_some(box, 1 << 20);
  EXPECT_TRUE(box.push(core::make_reply("c")));
}

// ------------------------------------------------------------ close_state

TEST(CloseState, SlowConsumerDropsTheQueueAndWaitsForTheAnswer) {
  close_state s;
  const auto st = s.start(4001);
  EXPECT_TRUE(st.drop_queued);
  EXPECT_TRUE(st.arm_deadline);
  EXPECT_FALSE(st.finish);
  EXPECT_EQ(s.frame_due(false), std::nullopt);  // a frame partly written goes first
  EXPECT_EQ(s.frame_due(true), 4001);
  EXPECT_EQ(s.frame_due(true), std::nullopt);  // once
  EXPECT_EQ(s.flushed(), after::wait_for_peer);
  const auto answer = s.peer_close(4001, true);
  EXPECT_TRUE(answer.finish);
  EXPECT_FALSE(answer.goodbye);  // the server closed: not a goodbye
  EXPECT_EQ(s.flushed(), after::close_socket);
}

TEST(CloseState, DrainKeepsTheQueue) {
  close_state s;
  EXPECT_FALSE(s.start(1001).drop_queued);
  EXPECT_FALSE(s.start(4000).arm_deadline);  // already closing
  EXPECT_EQ(s.frame_due(true), 1001);
}

// What the client sent before it saw our 1001 is still handled, up to its close frame.
TEST(CloseState, DrainReadsMessagesUntilTheClientsClose) {
  close_state s;
  EXPECT_TRUE(s.reads_messages());
  s.start(1001);
  EXPECT_EQ(s.frame_due(true), 1001);
  EXPECT_EQ(s.flushed(), after::wait_for_peer);
  EXPECT_TRUE(s.reads_messages());
  s.peer_close(1001, true);
  EXPECT_FALSE(s.reads_messages());
}

struct reads_case {
  const char* name;
  std::uint16_t code;
};

class OtherServerClose : public ::testing::TestWithParam<reads_case> {};

TEST_P(OtherServerClose, IgnoresTheClientsMessages) {
  close_state s;
  s.start(GetParam().code);
  EXPECT_FALSE(s.reads_messages());
}

INSTANTIATE_TEST_SUITE_P(Codes, OtherServerClose,
                         ::testing::Values(reads_case{"replaced", 4000}, reads_case{"slow_consumer", 4001},
                                           reads_case{"hello_timeout", 4002}, reads_case{"internal", 1011}),
                         [](const ::testing::TestParamInfo<reads_case>& row) { return std::string(row.param.name); });

TEST(CloseState, ProtocolErrorDuringADrainStopsReading) {
  close_state s;
  s.start(1001);
  s.protocol_error(1002);
  EXPECT_FALSE(s.reads_messages());
}

TEST(CloseState, ClientInitiatedCloseStopsReading) {
  close_state s;
  s.peer_close(1001, true);
  EXPECT_FALSE(s.reads_messages());
}

struct peer_close_case {
  const char* name;
  std::uint16_t code;
  bool leave_on_close;
  bool goodbye;
};

class ClientClose : public ::testing::TestWithParam<peer_close_case> {};

TEST_P(ClientClose, IsEchoedAndEndsTheConnection) {
  const auto& c = GetParam();
  close_state s;
  EXPECT_EQ(s.flushed(), after::nothing);
  const auto st = s.peer_close(c.code, c.leave_on_close);
  EXPECT_TRUE(st.finish);
  EXPECT_EQ(st.goodbye, c.goodbye);
  EXPECT_TRUE(st.drop_queued);
  EXPECT_EQ(s.frame_due(true), c.code);
  EXPECT_EQ(s.flushed(), after::close_socket);
  EXPECT_FALSE(s.start(1001).arm_deadline);
}

INSTANTIATE_TEST_SUITE_P(Codes, ClientClose,
                         ::testing::Values(peer_close_case{"normal", 1000, true, true},
                                           peer_close_case{"going_away", 1001, true, true},
                                           peer_close_case{"application_code", 4100, true, false},
                                           peer_close_case{"no_code", close_status::no_status, true, false},
                                           peer_close_case{"leave_on_close_off", 1000, false, false}),
                         [](const ::testing::TestParamInfo<peer_close_case>& row) {
                           return std::string(row.param.name);
                         });

TEST(CloseState, ProtocolErrorClosesWithItsCode) {
  close_state s;
  const auto st = s.protocol_error(1009);
  EXPECT_TRUE(st.finish);
  EXPECT_FALSE(st.goodbye);
  EXPECT_TRUE(st.arm_deadline);
  EXPECT_EQ(s.frame_due(true), 1009);
  EXPECT_EQ(s.flushed(), after::wait_for_peer);
}

TEST(CloseState, ClientCloseDuringADrainSkipsTheRestOfTheQueue) {
  close_state s;
  s.start(1001);
  const auto st = s.peer_close(1000, true);
  EXPECT_TRUE(st.finish);
  EXPECT_FALSE(st.goodbye);
  EXPECT_TRUE(st.drop_queued);
  EXPECT_EQ(s.frame_due(true), 1001);
  EXPECT_EQ(s.flushed(), after::close_socket);
}

}  // namespace
}  // namespace switchboard::net::ws
