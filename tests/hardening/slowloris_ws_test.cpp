// Slowloris on WebSocket frames: a frame is announced (or a message begun in
// fragments) and its payload trickled a byte at a time, often enough that the
// connection never looks idle. Before issue 8 nothing ended such a
// connection, and the parser kept up to the hard read limit (256 KiB) per
// connection. Now a message that stays incomplete for longer than
// server.idle_timeout is closed with 1008
// (switchboard_policy_closes_total{reason="slow_message"}), and the inbound
// buffer never holds more than server.max_message_bytes.

#include "tests/hardening/attack_report.hpp"
#include "tests/hardening/ws_raw.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace switchboard::test {
namespace {

using namespace std::chrono_literals;

constexpr auto idle_timeout = 2s;
// The server may look at open messages only every idle_timeout / 2 (as its
// keepalive timer does), plus scheduling slack on a loaded machine.
constexpr auto close_margin = idle_timeout / 2 + 1500ms;

enum class shape { max_size_frame, oversized_frame, fragments };

struct slow_conn {
  shape how = shape::max_size_frame;
  raw_socket socket;
  std::uint64_t offset = 0;  // payload bytes of the open frame sent so far
  clock::time_point started;
  std::optional<clock::time_point> closed;
  std::optional<std::uint16_t> code;
  std::string received;
};

// Opens the message: a header announcing more than is sent, or a first fragment.
bool begin_message(slow_conn& c) {
  switch (c.how) {
    case shape::max_size_frame:  // exactly server.max_message_bytes announced, most of it sent
      c.offset = 60000;
      return c.socket.send_all(frame_header(ws_op::text, 65536) + mask_payload(std::string(c.offset, 'x')), within(5s));
    case shape::oversized_frame:  // over max_message_bytes, under the hard limit (4x, >= 256 KiB)
      c.offset = 240 * 1024;
      return c.socket.send_all(frame_header(ws_op::text, 250 * 1024) + mask_payload(std::string(c.offset, 'x')),
                               within(5s));
    case shape::fragments:  // a complete first fragment of a message that never ends
      return c.socket.send_all(client_frame(ws_op::text, std::string(60000, 'x'), false), within(5s));
  }
  return false;
}

// One more byte of the message: a payload byte, or a one-byte continuation fragment.
bool send_next_byte(slow_conn& c) {
  const auto bytes =
      c.how == shape::fragments ? client_frame(ws_op::continuation, "y", false) : mask_payload("y", c.offset);
  if (!c.socket.send_all(bytes, within(1s))) return false;
  ++c.offset;
  return true;
}

// A byte to every open connection per tick (well inside idle_timeout / 2,
// so the connection never looks idle), until all are closed or the budget ends.
void trickle(std::vector<slow_conn>& conns, attack_budget& budget) {
  while (budget.ok()) {
    bool open = false;
    for (auto& c : conns) {
      if (c.closed) continue;
      while (c.socket.receive_some(c.received, clock::now())) {
      }
      std::string frames = c.received;
      c.code = close_code_in(take_frames(frames));
      if (c.code || c.socket.closed_by_peer() || !send_next_byte(c)) {
        c.closed = clock::now();
        continue;
      }
      open = true;
    }
    if (!open) return;
    std::this_thread::sleep_for(200ms);
  }
}

void check_all_closed_with_1008(const std::vector<slow_conn>& conns, attack_record& record) {
  std::size_t with_1008 = 0;
  std::size_t open = 0;
  auto slowest = 0ms;
  std::string codes;
  for (const auto& c : conns) {
    if (c.code == 1008) ++with_1008;
    if (!c.closed) ++open;
    if (c.closed) slowest = std::max(slowest, millis(*c.closed - c.started));
    codes += (c.code ? std::to_string(*c.code) : std::string(c.closed ? "none" : "open")) + " ";
  }
  record.figure("close codes", codes);
  record.figure("slowest close after the message began", std::to_string(slowest.count()) + " ms");
  record.check(with_1008 == conns.size(), "every connection with a message left incomplete is closed with 1008 (" +
                                              std::to_string(with_1008) + " of " + std::to_string(conns.size()) + ")");
  record.check(open == 0 && slowest <= idle_timeout + close_margin,
               "each is closed within 1.5 x server.idle_timeout (2 s) + 1.5 s; " + std::to_string(open) +
                   " still open");
}

TEST(attack, slowloris_on_websocket_frames) {
  server_fixture server(with_sets({"log.level=info", "server.idle_timeout=2s"}));
  attack_record record("slowloris on WebSocket frames");
  memory_watch memory(server.proc().pid());
  log_window log(server.proc());

  std::vector<slow_conn> conns(report_mode() ? 90 : 30);
  for (std::size_t i = 0; i < conns.size(); ++i) {
    auto& c = conns[i];
    c.how = static_cast<shape>(i % 3);
    ASSERT_TRUE(raw_ws_connect(c.socket, server.port(), within(5s))) << c.socket.error();
    c.started = clock::now();
    ASSERT_TRUE(begin_message(c)) << c.socket.error();
  }
  record.figure("peak RSS growth with every message open", in_mib(memory.peak_growth()));
  attack_budget budget(memory, server, idle_timeout + close_margin + 1s);
  trickle(conns, budget);

  check_all_closed_with_1008(conns, record);
  check_counter(record, server, R"(switchboard_policy_closes_total{reason="slow_message"})",
                static_cast<double>(conns.size()), "each slow connection");
  conns.clear();

  check_aftermath(record, server, memory, log, log_at_most(16 * 1024));
}

TEST(hardening_limits, close_reason_that_is_not_utf8_is_answered_with_1007) {
  server_fixture server(with_sets({"log.level=info"}));
  raw_socket s;
  ASSERT_TRUE(raw_ws_connect(s, server.port(), within(5s))) << s.error();
  ASSERT_TRUE(s.send_all(client_frame(ws_op::close, std::string("\x03\xe8", 2) + "bye \xff\xfe"), within(5s)));
  std::string pending;
  EXPECT_EQ(read_close_code(s, pending, within(5s)), 1007);
}

}  // namespace
}  // namespace switchboard::test
