#pragma once
// Start-and-reset churn: a connection starts (gets a peer ID) and ends with a
// RST, so the server keeps a detached peer for the resume grace period; then
// other connections from the same address fill those peers' resume queues
// with offers of the largest allowed size.

#include "tests/hardening/attack_report.hpp"
#include "tests/support/ws_client.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace switchboard::test {

struct churn_result {
  std::size_t attempts = 0;
  std::vector<std::string> ids;             // peers now detached
  std::map<std::string, std::size_t> errors;  // start refused: error code -> count
  std::size_t failures = 0;                 // no upgrade or no reply
  std::string ended;
};

// Connect, start, RST; up to `max_attempts` times within the budget.
churn_result churn(std::uint16_t port, attack_budget& budget, std::size_t max_attempts);

// An offer to `target` whose text is about `size` bytes.
std::string sized_offer(const std::string& target, std::size_t size);

struct fill_result {
  std::size_t offers = 0;
  std::map<std::string, std::size_t> errors;  // error code -> count
  std::string ended;
};

// Round-robin offers of `offer_bytes` from `senders` to `targets` until the
// budget or `max_offers` runs out; replies are read as they come (the
// senders are well-behaved readers) and error codes counted.
fill_result fill_queues(std::vector<ws_client>& senders, const std::vector<std::string>& targets,
                        std::size_t offer_bytes, attack_budget& budget, std::size_t max_offers);

// Reads what `senders` were sent until they are quiet for `quiet`; counts
// error codes into `errors` and, when given, collects peerLeft ids into `left`.
void collect_errors(std::vector<ws_client>& senders, std::map<std::string, std::size_t>& errors,
                    std::chrono::milliseconds quiet, std::vector<std::string>* left = nullptr);

// Started clients from `local_address`; fewer than `n` when starts failed.
std::vector<ws_client> started_clients(const server_fixture& server, std::size_t n,
                                       const std::string& local_address = "127.0.0.1");

std::string describe(const std::map<std::string, std::size_t>& counts);

}  // namespace switchboard::test
