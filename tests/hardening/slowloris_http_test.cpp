// Slowloris on HTTP headers: connections that trickle header bytes forever,
// and a run of requests whose header block is too large. The first are cut
// off at server.handshake_timeout however busy they look
// (switchboard_http_errors_total{reason="timeout"}); the second get 431
// before the close (reason="headers_too_large"); 400 and 413 likewise.

#include "tests/hardening/attack_report.hpp"
#include "tests/hardening/ws_raw.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace switchboard::test {
namespace {

using namespace std::chrono_literals;

constexpr auto handshake_timeout = 2s;
constexpr auto close_margin = 1500ms;  // scheduling slack on a loaded machine

struct trickler {
  raw_socket socket;
  clock::time_point opened;
  std::optional<clock::time_point> closed;
  std::string received;
};

// One header byte to every open connection per tick, until all are closed or the budget ends.
void trickle_headers(std::vector<trickler>& conns, attack_budget& budget) {
  while (budget.ok()) {
    bool open = false;
    for (auto& c : conns) {
      if (c.closed) continue;
      while (c.socket.receive_some(c.received, clock::now())) {
      }
      if (c.socket.closed_by_peer() || c.socket.send_some("a") < 0) {
        c.closed = clock::now();
        continue;
      }
      open = true;
    }
    if (!open) return;
    std::this_thread::sleep_for(100ms);
  }
}

// Sends `request` on a new connection and returns everything the server sent before closing.
std::string one_shot(std::uint16_t port, const std::string& request) {
  raw_socket s;
  std::string response;
  if (!s.connect({port}, within(5s))) return response;
  s.send_all(request, within(5s));  // the server may answer and close before taking it all
  s.receive_until_closed(response, within(5s));
  return response;
}

// Connections that trickle one header byte per 100 ms: each must be cut off at the handshake deadline.
void trickling_headers(server_fixture& server, memory_watch& memory, attack_record& record) {
  std::vector<trickler> conns(report_mode() ? 90 : 40);
  for (auto& c : conns) {
    ASSERT_TRUE(c.socket.connect({server.port()}, within(5s))) << c.socket.error();
    c.opened = clock::now();
    ASSERT_TRUE(c.socket.send_all("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", within(5s)));
  }
  attack_budget budget(memory, server, handshake_timeout + close_margin + 1s);
  trickle_headers(conns, budget);
  auto slowest = 0ms;
  std::size_t open = 0;
  for (const auto& c : conns) {
    if (!c.closed) ++open;
    else slowest = std::max(slowest, millis(*c.closed - c.opened));
  }
  record.figure("trickling connections", std::to_string(conns.size()) + ", slowest cut off after " +
                                             std::to_string(slowest.count()) + " ms");
  record.check(open == 0 && slowest <= handshake_timeout + close_margin,
               "every trickling connection is closed within server.handshake_timeout (2 s) + 1.5 s; " +
                   std::to_string(open) + " still open");
  check_counter(record, server, R"(switchboard_http_errors_total{reason="timeout"})",
                static_cast<double>(conns.size()), "each trickling connection");
}

// Header blocks over the 16 KiB limit, one connection each, as fast as the server answers.
void oversized_headers(server_fixture& server, memory_watch& memory, attack_record& record) {
  const auto big = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(20000, 'h') + "\r\n\r\n";
  attack_budget budget(memory, server, 3s);
  std::size_t sent = 0;
  std::size_t got_431 = 0;
  bool closing = true;
  for (; sent < (report_mode() ? 1'000'000u : 200u) && budget.ok(); ++sent) {
    const auto response = one_shot(server.port(), big);
    if (http_status_of(response) == 431) ++got_431;
    if (response.find("Connection: close") == std::string::npos) closing = false;
  }
  record.figure("oversized header blocks (20 KB)", std::to_string(sent) + " sent, " + std::to_string(got_431) +
                                                       " answered 431");
  record.check(got_431 == sent, "every oversized header block is answered 431");
  record.check(closing, "every 431 says Connection: close");
  check_counter(record, server, R"(switchboard_http_errors_total{reason="headers_too_large"})",
                static_cast<double>(sent), "each oversized header block");
}

TEST(attack, slowloris_on_http_headers) {
  server_fixture server(with_sets({"log.level=info", "server.handshake_timeout=2s"}));
  attack_record record("slowloris on HTTP headers");
  memory_watch memory(server.proc().pid());
  log_window log(server.proc());
  trickling_headers(server, memory, record);
  oversized_headers(server, memory, record);
  // Warnings about bad requests are rate-limited: a few lines of a few hundred bytes.
  check_aftermath(record, server, memory, log, log_at_most(32 * 1024));
}

TEST(hardening_limits, malformed_http_is_answered_before_the_close) {
  server_fixture server(with_sets({"log.level=info"}));
  const auto garbage = one_shot(server.port(), "GARBAGE\x01 / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(http_status_of(garbage), 400) << garbage.substr(0, 200);
  EXPECT_NE(garbage.find("Connection: close"), std::string::npos);
  // The declared length is over server.max_http_body_bytes (8 KiB): refused before any body is read.
  const auto body =
      one_shot(server.port(), "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n");
  EXPECT_EQ(http_status_of(body), 413) << body.substr(0, 200);
  EXPECT_GE(server.metric_value(R"(switchboard_http_errors_total{reason="bad_request"})"), 1);
  EXPECT_GE(server.metric_value(R"(switchboard_http_errors_total{reason="body_too_large"})"), 1);
  EXPECT_EQ(fresh_pair_problem(server), "");
}

}  // namespace
}  // namespace switchboard::test
