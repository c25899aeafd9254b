// Many half-open TCP connections from one address: they connect and send
// nothing, or half a request, up to the per-IP limit
// (server.max_connections_per_ip, 100) and beyond. Each must be closed once
// server.handshake_timeout has passed; while they are held the address is
// refused (503) but every other address is served.

#include "tests/hardening/attack_report.hpp"
#include "tests/hardening/raw_socket.hpp"
#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace switchboard::test {
namespace {

using namespace std::chrono_literals;

constexpr auto handshake_timeout = 2s;
// Scheduling slack on a loaded 2-core machine (ctest -j runs suites side by side).
constexpr auto close_margin = 1500ms;

struct held {
  raw_socket socket;
  clock::time_point opened;
  std::optional<clock::time_point> closed;
};

// Polls every open connection until all are closed or the deadline passes.
void wait_all_closed(std::vector<held>& conns, deadline until) {
  for (;;) {
    bool open = false;
    for (auto& c : conns) {
      if (c.closed) continue;
      std::string ignored;
      while (c.socket.receive_some(ignored, clock::now())) ignored.clear();
      if (c.socket.closed_by_peer()) {
        c.closed = clock::now();
      } else {
        open = true;
      }
    }
    if (!open || clock::now() >= until) return;
    std::this_thread::sleep_for(20ms);
  }
}

// Connects `n` times from 127.0.0.1; every other connection sends half a
// request, the rest nothing at all.
std::vector<held> open_half_open(std::uint16_t port, std::size_t n, attack_budget& budget, attack_record& record) {
  std::vector<held> conns;
  std::size_t half_requests = 0;
  while (conns.size() < n && budget.ok()) {
    held c;
    if (!c.socket.connect({port}, within(5s))) break;
    c.opened = clock::now();
    if (conns.size() % 2 == 1 && c.socket.send_all("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: web", within(5s))) {
      ++half_requests;
    }
    conns.push_back(std::move(c));
  }
  record.figure("connections opened", std::to_string(conns.size()) + " (" + std::to_string(half_requests) +
                                          " with half a request)");
  record.check(conns.size() == n, "all " + std::to_string(n) + " TCP connections were accepted by the kernel");
  return conns;
}

void check_all_closed_in_time(std::vector<held>& conns, attack_record& record) {
  wait_all_closed(conns, conns.back().opened + handshake_timeout + close_margin);
  const auto still_open = std::count_if(conns.begin(), conns.end(), [](const held& c) { return !c.closed; });
  auto slowest = 0ms;
  for (const auto& c : conns) {
    if (c.closed) slowest = std::max(slowest, millis(*c.closed - c.opened));
  }
  record.figure("slowest close after connect", std::to_string(slowest.count()) + " ms");
  record.check(still_open == 0, std::to_string(still_open) + " connections still open " +
                                    std::to_string((handshake_timeout + close_margin).count()) +
                                    " ms after connect (server.handshake_timeout=2s)");
}

TEST(attack, many_half_open_connections) {
  server_fixture server(with_sets({"log.level=info", "server.handshake_timeout=2s"}));
  attack_record record("many half-open TCP connections from one address");
  memory_watch memory(server.proc().pid());
  log_window log(server.proc());
  attack_budget budget(memory, server, 10s);
  auto conns = open_half_open(server.port(), report_mode() ? 1000 : 150, budget, record);
  ASSERT_FALSE(conns.empty());

  // While they are held this address is at its limit (503 while the server
  // still answers refusals, past that closed unanswered), others are served.
  const auto limited = http_get(server.port(), "/healthz");
  record.check(limited.status != 200, "a complete request from the same address is refused (per-IP limit 100), got " +
                                          std::to_string(limited.status));
  const auto meanwhile = fresh_pair_problem(server);
  record.check(meanwhile.empty(), "meanwhile a fresh pair from other addresses relays " + meanwhile);

  check_all_closed_in_time(conns, record);
  check_counter(record, server, R"(switchboard_connections_rejected_total{reason="handshake_timeout"})", 100,
                "every connection within the limit");
  check_counter(record, server, R"(switchboard_connections_rejected_total{reason="max_connections_per_ip"})",
                static_cast<double>(conns.size() - 100));
  check_counter(record, server, R"(switchboard_http_errors_total{reason="timeout"})", 50,
                "the half requests within the limit");
  const auto again = http_get(server.port(), "/healthz");
  record.check(again.status == 200, "once they are closed the address is served again, got " +
                                        std::to_string(again.status));

  // Connections that never sent a request are not worth a log line at info.
  check_aftermath(record, server, memory, log, log_at_most(16 * 1024));
}

}  // namespace
}  // namespace switchboard::test
