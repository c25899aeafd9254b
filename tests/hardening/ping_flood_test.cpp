// A ping flood from a client that never reads. Before issue 8, pings bypassed
// the message rate limit and every pong was queued, so memory grew
// one-for-one with the flood. Now every frame takes a token from the
// connection's bucket (server.rate_limit: 50/s, burst 200), a control frame
// without one closes the connection with 1008 (counted as
// switchboard_policy_closes_total{reason="control_flood"}), and at most one
// pong waits to be sent.

#include "tests/hardening/attack_report.hpp"
#include "tests/hardening/ws_raw.hpp"

#include <gtest/gtest.h>

namespace switchboard::test {
namespace {

using namespace std::chrono_literals;

struct flood_result {
  std::size_t frames = 0;
  std::string ended;  // why the flood stopped
};

// Sends the same batch of masked frames over and over, never reading, until
// the server cuts the connection, the budget runs out or `max_frames` went out.
flood_result flood(raw_socket& s, const std::string& frame, attack_budget& budget, std::size_t max_frames) {
  std::string batch;
  for (int i = 0; i < 512; ++i) batch += frame;
  flood_result out;
  std::size_t offset = 0;  // into batch
  std::size_t bytes = 0;
  auto next_look = clock::now();
  while (budget.ok() && bytes / frame.size() < max_frames) {
    if (clock::now() >= next_look) {
      next_look = clock::now() + 20ms;
      if (s.peer_gone()) {
        out.ended = "the server ended the connection";
        break;
      }
    }
    const auto n = s.send_some(std::string_view(batch).substr(offset));
    if (n < 0) {
      out.ended = "send failed: " + s.error();
      break;
    }
    bytes += static_cast<std::size_t>(n);
    offset = (offset + static_cast<std::size_t>(n)) % batch.size();
    if (n == 0) s.wait_writable(clock::now() + 20ms);
  }
  if (out.ended.empty()) out.ended = budget.ok() ? "frame count reached" : budget.stopped_because();
  out.frames = bytes / frame.size();
  return out;
}

TEST(attack, ping_flood_while_never_reading) {
  server_fixture server(with_sets({"log.level=info"}));
  attack_record record("ping flood while never reading");
  memory_watch memory(server.proc().pid());
  log_window log(server.proc());

  raw_socket s;
  // A small receive window: the pongs cannot drain into our kernel buffer.
  ASSERT_TRUE(raw_ws_connect(s, server.port(), within(5s), "127.0.0.1", 4096)) << s.error();
  attack_budget budget(memory, server, 5s);
  const auto flood_start = clock::now();
  const auto result = flood(s, client_frame(ws_op::ping, std::string(125, 'p')), budget,
                            report_mode() ? 100'000'000 : 5'000'000);
  record.figure("pings sent (125-byte payload)", std::to_string(result.frames));
  record.figure("flood ended", result.ended + " after " +
                                 std::to_string(std::chrono::duration<double>(clock::now() - flood_start).count()) +
                                 " s");
  record.figure("peak RSS growth right after the flood", in_mib(memory.peak_growth()));

  std::string pending;
  const auto code = read_close_code(s, pending, within(5s));
  record.check(code == 1008, "the flooding connection is closed with 1008 (got " +
                                 (code ? std::to_string(*code) : std::string("no close frame")) + ")");
  check_counter(record, server, R"(switchboard_policy_closes_total{reason="control_flood"})", 1);
  s.close();

  // No log line per frame: at most a line or two about the close (< 1 KiB each).
  check_aftermath(record, server, memory, log, log_at_most(16 * 1024));
}

}  // namespace
}  // namespace switchboard::test
