// The other peer bounds the churn attack meets, each made reachable with a
// small --set (these keys are new with issue 8, so these tests do not run
// against older builds): peers per address, detached peers in all, and the
// bytes queued for all detached peers together.

#include "tests/hardening/churn_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace switchboard::test {
namespace {

using namespace std::chrono_literals;

std::size_t count_of(const std::map<std::string, std::size_t>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

TEST(hardening_limits, peers_per_address_are_capped_at_max_per_address) {
  // The ID rate out of the way: the per-address cap (64 by default) is what stops the churn.
  server_fixture server(with_sets({"log.level=info", "peers.id_rate_limit.per_second=1000",
                                   "peers.id_rate_limit.burst=1000"}));
  attack_record record("churn past peers.max_per_address");
  memory_watch memory(server.proc().pid());
  log_window log(server.proc());
  attack_budget budget(memory, server, 5s);
  const auto c = churn(server.port(), budget, 100);
  record.figure("churn", std::to_string(c.ids.size()) + " IDs, refused: " + describe(c.errors));
  record.check(c.ids.size() == 64, "exactly 64 (peers.max_per_address) starts got an ID, got " +
                                       std::to_string(c.ids.size()));
  record.check(count_of(c.errors, "rate-limited") == c.attempts - c.ids.size() - c.failures,
               "every other start got rate-limited");
  check_counter(record, server, R"(switchboard_peers_refused_total{reason="max_per_address"})",
                static_cast<double>(c.attempts - 64 - c.failures), "each refusal");
  check_aftermath(record, server, memory, log, log_at_most(64 * 1024));
}

// Sends a small offer from `sender` to each of `targets`: they become its contacts.
void contact_all(ws_client& sender, const std::vector<std::string>& targets) {
  for (const auto& t : targets) EXPECT_TRUE(sender.send_text(sized_offer(t, 200)));
}

TEST(hardening_limits, detached_peers_and_their_queued_bytes_are_capped_in_total) {
  server_fixture server(with_sets({"log.level=info", "peers.id_rate_limit.per_second=1000",
                                   "peers.id_rate_limit.burst=1000", "peers.max_detached=16",
                                   "peers.max_queued_bytes_total=524288"}));
  attack_record record("churn past peers.max_detached and peers.max_queued_bytes_total");
  memory_watch memory(server.proc().pid());
  log_window log(server.proc());
  auto senders = started_clients(server, 1);
  ASSERT_EQ(senders.size(), 1u);
  attack_budget budget(memory, server, 8s);

  // 16 detached peers (the cap), each a contact of the sender; then 24 more.
  const auto first = churn(server.port(), budget, 16);
  ASSERT_EQ(first.ids.size(), 16u) << "refused: " << describe(first.errors);
  contact_all(senders[0], first.ids);
  const auto more = churn(server.port(), budget, 24);
  ASSERT_EQ(more.ids.size(), 24u) << "refused: " << describe(more.errors);

  // At the cap the oldest detached peer is released: the first 16 and 8 more are gone,
  // and the sender hears peerLeft for each of its 16 contacts.
  std::map<std::string, std::size_t> errors;
  std::vector<std::string> left;
  collect_errors(senders, errors, 500ms, &left);
  std::sort(left.begin(), left.end());
  auto expected_left = first.ids;
  std::sort(expected_left.begin(), expected_left.end());
  record.check(left == expected_left, "the sender gets peerLeft for each of its 16 evicted contacts (got " +
                                          std::to_string(left.size()) + "; errors: " + describe(errors) + ")");
  record.check(server.metric_value("switchboard_peers_evicted_total").value_or(0) == 24,
               "switchboard_peers_evicted_total == 24");

  // One 64 KB offer to each of the 16 still detached: at most 524288 / 65000 = 8 fit in the total.
  const std::vector<std::string> newest(more.ids.end() - 16, more.ids.end());
  auto f = fill_queues(senders, newest, 65000, budget, 16);
  collect_errors(senders, f.errors, 300ms);
  record.figure("fill", std::to_string(f.offers) + " offers, errors: " + describe(f.errors));
  const auto queue_full = count_of(f.errors, "queue-full");
  record.check(queue_full >= 8 && queue_full <= 9,
               "queue-full once the total reached peers.max_queued_bytes_total (8 or 9 of 16), got " +
                   std::to_string(queue_full));
  record.check(count_of(f.errors, "peer-not-found") == 0, "the 16 newest detached peers are still there");
  senders.clear();
  check_aftermath(record, server, memory, log, log_at_most(64 * 1024));
}

}  // namespace
}  // namespace switchboard::test
