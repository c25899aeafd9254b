// A flood of refused upgrades with huge invalid Origins. Before issue 8 each
// refusal logged the raw Origin header (15 KB, invalid UTF-8): the log grew
// tens of MB per second and json lines stopped being JSON. Now client values
// in log lines are cut to about 200 bytes and escaped, and repeated warnings
// are rate-limited (5 per 10 s per kind, then "suppressed N similar messages").
// The production profile also refuses a missing, empty or repeated Origin.

#include "tests/hardening/attack_report.hpp"
#include "tests/hardening/ws_raw.hpp"

#include <gtest/gtest.h>

namespace switchboard::test {
namespace {

using namespace std::chrono_literals;

const std::string good_origin = "https://good.example";

std::vector<std::string> production_sets(std::vector<std::string> more = {}, const std::string& format = "json") {
  std::vector<std::string> sets{"profile=production", "auth.mode=none", "server.allowed_origins=[\"" + good_origin + "\"]",
                                "log.format=" + format, "log.level=info"};
  sets.insert(sets.end(), more.begin(), more.end());
  return sets;
}

// 15 KB of what a header value may carry but a log line must not pass on
// raw: bytes that are not UTF-8, lone lead bytes, tabs, quotes and backslashes.
std::string hostile_origin() {
  const std::string piece = "https://\xff\xfe\xc3\x28\"\\\xe2\x82\t\xf0\x9f\x98.evil\xc0\xaf";
  std::string out;
  while (out.size() + piece.size() <= 15000) out += piece;
  return out;
}

// The status of an upgrade request with these extra header lines, on a fresh connection.
int upgrade_status(std::uint16_t port, const std::string& extra_headers) {
  raw_socket s;
  std::string response;
  if (!s.connect({port}, within(5s)) || !s.send_all(upgrade_request(port, "/ws", extra_headers), within(5s))) return 0;
  s.receive_until(response, "\r\n\r\n", within(5s));
  return http_status_of(response);
}

// The log format under attack: json (every line must parse) or text (UTF-8, no control characters).
class origin_flood : public testing::TestWithParam<std::string> {};

TEST_P(origin_flood, refused_upgrades_with_huge_invalid_origins) {
  const bool json = GetParam() == "json";
  server_fixture server(with_sets(production_sets({}, GetParam())));
  attack_record record("flood of refused upgrades with 15 KB invalid-UTF-8 Origins (production, " + GetParam() +
                       " log)");
  memory_watch memory(server.proc().pid());
  log_window log(server.proc());

  const auto header = "Origin: " + hostile_origin() + "\r\n";
  attack_budget budget(memory, server, 3s);
  std::size_t sent = 0;
  std::size_t refused = 0;
  for (; sent < (report_mode() ? 10'000'000u : 1000u) && budget.ok(); ++sent) {
    if (upgrade_status(server.port(), header) == 403) ++refused;
  }
  record.figure("upgrade attempts", std::to_string(sent) + ", " + std::to_string(refused) + " answered 403");
  record.check(refused == sent, "every attempt is refused with 403");
  check_counter(record, server, R"(switchboard_connections_rejected_total{reason="origin"})",
                static_cast<double>(sent), "each refusal");
  const auto suppressed = server.metric_value("switchboard_log_messages_suppressed_total");
  record.figure("switchboard_log_messages_suppressed_total",
                suppressed ? std::to_string(*suppressed) : std::string("absent"));
  record.check(log.longest_line() <= 4096, "no log line over 4 KiB (client values cut to ~200 bytes), longest " +
                                               std::to_string(log.longest_line()));

  // The bound: at most 5 refusal lines per 10 s window, each under 4 KiB even
  // with every byte of a ~200-byte value escaped as \u00XX, plus the
  // "suppressed" lines: an attack of under 10 s (two windows) stays well below 32 KiB.
  auto opts = log_at_most(32 * 1024);
  opts.json_log = json;
  opts.origin = good_origin;
  check_aftermath(record, server, memory, log, opts);
}

INSTANTIATE_TEST_SUITE_P(attack, origin_flood, testing::Values("json", "text"),
                         [](const testing::TestParamInfo<std::string>& p) { return p.param; });

struct origin_case {
  std::string name;
  std::string headers;  // extra header lines
  int status;
};

TEST(hardening_limits, production_refuses_missing_empty_and_repeated_origins) {
  server_fixture server(with_sets(production_sets()));
  const std::vector<origin_case> cases{
      {"no Origin", "", 403},
      {"empty Origin", "Origin: \r\n", 403},
      {"two Origins, both allowed", "Origin: " + good_origin + "\r\nOrigin: " + good_origin + "\r\n", 403},
      {"allowed, then another", "Origin: " + good_origin + "\r\nOrigin: https://evil.example\r\n", 403},
      {"one allowed Origin", "Origin: " + good_origin + "\r\n", 101},
  };
  for (const auto& c : cases) EXPECT_EQ(upgrade_status(server.port(), c.headers), c.status) << c.name;
  EXPECT_GE(server.metric_value(R"(switchboard_connections_rejected_total{reason="origin"})"), 4);
}

TEST(hardening_limits, allow_missing_origin_admits_clients_without_one) {
  server_fixture server(with_sets(production_sets({"server.allow_missing_origin=true"})));
  EXPECT_EQ(upgrade_status(server.port(), ""), 101);
  EXPECT_EQ(upgrade_status(server.port(), "Origin: https://evil.example\r\n"), 403);
  EXPECT_EQ(upgrade_status(server.port(), "Origin: " + good_origin + "\r\nOrigin: " + good_origin + "\r\n"), 403);
}

}  // namespace
}  // namespace switchboard::test
