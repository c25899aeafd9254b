// Start-and-reset churn from one address with full queues. Before issue 8
// only per-peer bounds existed: thousands of connections that start and then
// reset each left a detached peer whose resume queue (256 KiB) another
// connection of the same address then filled, gigabytes in seconds. Now new
// peer IDs per address are a token bucket (peers.id_rate_limit: 2/s, burst
// 20) and capped (peers.max_per_address: 64); beyond, start gets
// rate-limited; the detached peers' queues are capped in total as well.

#include "tests/hardening/churn_support.hpp"

#include <gtest/gtest.h>

namespace switchboard::test {
namespace {

using namespace std::chrono_literals;

// The largest offer that still fits server.max_message_bytes (64 KiB) with the JSON around it.
constexpr std::size_t offer_bytes = 65000;

// New IDs are rationed per address: the burst (20) plus 2/s while the churn lasted.
void check_rationing(attack_record& record, const server_fixture& server, const churn_result& c, std::size_t granted,
                     double seconds) {
  const auto rate_limited = c.errors.count("rate-limited") ? c.errors.at("rate-limited") : 0;
  record.check(rate_limited >= 1, "starts past the address's new-ID budget get rate-limited");
  const double allowed = 20 + 2 * seconds + 2;  // + slack for the bucket's clock
  record.check(static_cast<double>(granted) <= allowed,
               std::to_string(granted) + " new IDs for one address <= 20 + 2/s x " + std::to_string(seconds) + " s");
  check_counter(record, server, R"(switchboard_peers_refused_total{reason="id_rate"})", 1);
}

TEST(attack, start_and_reset_churn_with_full_queues) {
  server_fixture server(with_sets({"log.level=info"}));
  attack_record record("start-and-reset churn from one address with full queues");
  memory_watch memory(server.proc().pid());
  log_window log(server.proc());

  // The senders start first: once the address's ID budget is spent they could not.
  // (They need IDs too: in report mode a fixed server lets only the first 20 start.)
  const std::size_t n_senders = report_mode() ? 64 : 8;
  auto senders = started_clients(server, n_senders);
  record.figure("senders started", std::to_string(senders.size()) + " of " + std::to_string(n_senders));
  if (!report_mode()) {
    ASSERT_EQ(senders.size(), n_senders) << "the senders could not start";
  }

  const auto churn_start = clock::now();
  attack_budget churn_budget(memory, server, 3s, 10s);
  const auto c = churn(server.port(), churn_budget, report_mode() ? 1'000'000 : 600);
  const auto churn_seconds = std::chrono::duration<double>(clock::now() - churn_start).count();
  record.figure("churn", std::to_string(c.attempts) + " connect-start-RST in " + std::to_string(churn_seconds) +
                             " s: " + std::to_string(c.ids.size()) + " IDs, refused: " + describe(c.errors) +
                             ", no reply: " + std::to_string(c.failures) + " (" + c.ended + ")");

  attack_budget fill_budget(memory, server, 4s, 10s);
  auto f = fill_queues(senders, c.ids, offer_bytes, fill_budget, report_mode() ? 100'000'000 : n_senders * 400);
  collect_errors(senders, f.errors, 300ms);
  record.figure("fill", std::to_string(f.offers) + " offers of " + std::to_string(offer_bytes) +
                            " bytes to the detached peers; errors: " + describe(f.errors) + " (" + f.ended + ")");

  check_rationing(record, server, c, c.ids.size() + senders.size(), churn_seconds);
  const auto queue_full = f.errors.count("queue-full") ? f.errors.at("queue-full") : 0;
  record.check(queue_full >= 1, "offers past a detached peer's queue bound get queue-full");
  check_counter(record, server, R"(switchboard_messages_undeliverable_total{reason="queue_full"})", 1);
  senders.clear();

  // Refusals and queue-full are not logged per message; rate-limited warnings
  // (at most 5 per kind per 10 s plus a "suppressed" line) of a few kinds stay far below this.
  check_aftermath(record, server, memory, log, log_at_most(64 * 1024));
}

}  // namespace
}  // namespace switchboard::test
