// parse_coturn_line: real coturn 4.6.1 lines -> events, everything else -> nullopt.

#include "turn/coturn/log_parser.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <ostream>
#include <string>
#include <vector>

namespace {

using namespace switchboard::turn;

struct line_case {
  std::string name;
  std::string line;
  coturn_event expected;
};

std::string name_of(const ::testing::TestParamInfo<line_case>& p) { return p.param.name; }

// Names the row in failure messages instead of dumping its bytes.
void PrintTo(const line_case& c, std::ostream* os) { *os << c.name; }

class CoturnLogLine : public ::testing::TestWithParam<line_case> {};

TEST_P(CoturnLogLine, ParsesToTheEvent) {
  auto got = parse_coturn_line(GetParam().line);
  ASSERT_TRUE(got.has_value()) << GetParam().line;
  EXPECT_EQ(got->index(), GetParam().expected.index()) << GetParam().line;
  EXPECT_TRUE(*got == GetParam().expected) << GetParam().line;
}

constexpr std::uint64_t s1 = 1000000000000001ULL;  // "001000000000000001"

INSTANTIATE_TEST_SUITE_P(
    Lifecycle, CoturnLogLine,
    ::testing::Values(
        line_case{"new",
                  "0: : session 001000000000000001: new, realm=<fixture.test>, username=<1795564407:probe>, "
                  "lifetime=777",
                  allocation_created{s1, 777}},
        line_case{"new_tls",
                  "0: : session 000000000000000002: new, realm=<fixture.test>, username=<1795564509:probe>, "
                  "lifetime=777, cipher=ECDHE-RSA-AES256-GCM-SHA384, method=TLSv1.2",
                  allocation_created{2, 777}},
        line_case{"refreshed",
                  "0: : session 001000000000000001: refreshed, realm=<fixture.test>, username=<1795564407:probe>, "
                  "lifetime=600",
                  allocation_refreshed{s1, 600}},
        line_case{"released",
                  "10: : session 001000000000000001: refreshed, realm=<fixture.test>, "
                  "username=<1795564407:probe>, lifetime=0",
                  allocation_refreshed{s1, 0}},
        line_case{"delete", "11: : session 001000000000000001: delete: realm=<fixture.test>, username=<1:probe>",
                  allocation_deleted{s1}},
        line_case{"crlf", "11: : session 000000000000000007: delete: realm=<r>, username=<u>\r",
                  allocation_deleted{7}},
        line_case{"username_mimics_fields",
                  "0: : session 000000000000000003: new, realm=<r>, username=<1:x, lifetime=5>, lifetime=600",
                  allocation_created{3, 600}}),
    name_of);

INSTANTIATE_TEST_SUITE_P(
    Usage, CoturnLogLine,
    ::testing::Values(
        line_case{"client",
                  "6: : session 001000000000000001: usage: realm=<fixture.test>, username=<1795564407:probe>, "
                  "rp=1030, rb=209272, sp=1028, sb=208512",
                  traffic_usage{s1, traffic_side::client, 1030, 209272, 1028, 208512}},
        line_case{"peer",
                  "6: : session 001000000000000001: peer usage: realm=<fixture.test>, username=<1795564407:probe>, "
                  "rp=1018, rb=203600, sp=1020, sb=204000",
                  traffic_usage{s1, traffic_side::peer, 1018, 203600, 1020, 204000}},
        line_case{"unauthenticated_zero",
                  "0: : session 000000000000000001: usage: realm=<fixture.test>, username=<>, rp=0, rb=0, sp=0, sb=0",
                  traffic_usage{1, traffic_side::client, 0, 0, 0, 0}},
        line_case{"past_4GiB",
                  "9: : session 000000000000000004: usage: realm=<r>, username=<u>, rp=5000000000, "
                  "rb=6000000000000, sp=1, sb=2",
                  traffic_usage{4, traffic_side::client, 5000000000ULL, 6000000000000ULL, 1, 2}},
        line_case{"username_mimics_fields",
                  "1: : session 000000000000000005: usage: realm=<r>, username=<a, rp=9, rb=9, sp=9, sb=9>, "
                  "rp=1, rb=2, sp=3, sb=4",
                  traffic_usage{5, traffic_side::client, 1, 2, 3, 4}}),
    name_of);

INSTANTIATE_TEST_SUITE_P(
    Closed, CoturnLogLine,
    ::testing::Values(
        line_case{"allocation_timeout",
                  "11: : session 001000000000000001: closed (2nd stage), user <1795564407:probe> realm "
                  "<fixture.test> origin <>, local 127.0.0.1:27849, remote 127.0.0.1:59562, reason: allocation "
                  "timeout",
                  session_closed{s1, close_reason::expired}},
        line_case{"tls_client_gone",
                  "0: : session 001000000000000002: closed (2nd stage), user <1795564509:probe> realm "
                  "<fixture.test> origin <>, local 127.0.0.1:31619, remote 127.0.0.1:60662, reason: TLS/TCP "
                  "socket buffer operation error (callback)",
                  session_closed{1000000000000002ULL, close_reason::client_closed}},
        line_case{"tcp_client_gone",
                  "11: : session 001000000000000001: closed (2nd stage), user <u> realm <r> origin <>, local "
                  "127.0.0.1:38833, remote 127.0.0.1:58702, reason: TCP connection closed by client (callback)",
                  session_closed{s1, close_reason::client_closed}},
        line_case{"peer_gone",
                  "1: : session 000000000000000009: closed (2nd stage), user <u> realm <r> origin <>, local a, "
                  "remote b, reason: TCP connection closed by peer (ipv4 callback)",
                  session_closed{9, close_reason::peer_closed}},
        line_case{"ssl_error",
                  "1: : session 000000000000000009: closed (2nd stage), user <u> realm <r> origin <>, local a, "
                  "remote b, reason: SSL read error",
                  session_closed{9, close_reason::error}},
        line_case{"unknown_reason",
                  "1: : session 000000000000000009: closed (2nd stage), user <u> realm <r> origin <>, local a, "
                  "remote b, reason: general",
                  session_closed{9, close_reason::other}}),
    name_of);

INSTANTIATE_TEST_SUITE_P(
    Failures, CoturnLogLine,
    ::testing::Values(
        line_case{"challenge",
                  "0: : session 000000000000000001: realm <fixture.test> user <>: incoming packet message "
                  "processed, error 401: Unauthorized",
                  request_failed{1, 401, failure_kind::challenge, true}},
        line_case{"unauthorized",
                  "0: : session 001000000000000001: realm <fixture.test> user <1795564204:probe>: incoming packet "
                  "message processed, error 401: Unauthorized",
                  request_failed{s1, 401, failure_kind::unauthorized, true}},
        line_case{"with_origin",
                  "0: : session 001000000000000001: origin <https://a.example> realm <r> user <1:p>: incoming "
                  "packet message processed, error 401: Unauthorized",
                  request_failed{s1, 401, failure_kind::unauthorized, true}},
        line_case{"quota_method",
                  "0: : session 001000000000000002: realm <fixture.test> user <1795564148:probe>: incoming packet "
                  "ALLOCATE processed, error 486: Allocation Quota Reached",
                  request_failed{1000000000000002ULL, 486, failure_kind::quota, false}},
        line_case{"quota_summary",
                  "0: : session 001000000000000002: realm <fixture.test> user <1795564148:probe>: incoming packet "
                  "message processed, error 486: Allocation Quota Reached",
                  request_failed{1000000000000002ULL, 486, failure_kind::quota, true}},
        line_case{"forbidden_peer",
                  "0: : session 001000000000000002: realm <fixture.test> user <1795564509:probe>: incoming packet "
                  "message processed, error 403: Forbidden IP",
                  request_failed{1000000000000002ULL, 403, failure_kind::forbidden_peer, true}},
        line_case{"other_error",
                  "0: : session 000000000000000003: realm <r> user <u>: incoming packet ALLOCATE processed, error "
                  "437: Allocation mismatch",
                  request_failed{3, 437, failure_kind::other, false}},
        line_case{"credentials_detail",
                  "0: : ERROR: check_stun_auth: Cannot find credentials of user <1795564204:probe>",
                  credentials_rejected{}}),
    name_of);

INSTANTIATE_TEST_SUITE_P(
    Startup, CoturnLogLine,
    ::testing::Values(
        line_case{"udp", "0: : IPv4. UDP listener opened on: 127.0.0.1:34781",
                  listener_opened{"UDP", "127.0.0.1:34781"}},
        line_case{"tcp", "0: : IPv4. TCP listener opened on : 127.0.0.1:34781",
                  listener_opened{"TCP", "127.0.0.1:34781"}},
        line_case{"tls", "0: : IPv4. TLS/TCP listener opened on : 127.0.0.1:25343",
                  listener_opened{"TLS/TCP", "127.0.0.1:25343"}},
        line_case{"dtls_v6", "0: : IPv6. DTLS/UDP listener opened on: ::1:5349",
                  listener_opened{"DTLS/UDP", "::1:5349"}},
        line_case{"bind_retry", "0: : Cannot bind TLS/TCP listener socket to addr 127.0.0.1:58912",
                  listener_bind_failed{"TLS/TCP", "127.0.0.1:58912", false}},
        line_case{"bind_fatal",
                  "0: : ERROR: Fatal final failure: cannot bind TLS/TCP listener socket to addr 127.0.0.1:45188",
                  listener_bind_failed{"TLS/TCP", "127.0.0.1:45188", true}},
        line_case{"bad_option", "0: : Bad configuration format: bogus-option",
                  config_problem{"Bad configuration format: bogus-option"}},
        line_case{"cidr", "0: : ERROR: Wrong address format: 10.0.0.0/8",
                  config_problem{"Wrong address format: 10.0.0.0/8"}},
        line_case{"config_error",
                  "0: : CONFIG ERROR: --no-udp-relay and --no-tcp-relay options cannot be used together.",
                  config_problem{"CONFIG ERROR: --no-udp-relay and --no-tcp-relay options cannot be used together."}}),
    name_of);

TEST(CoturnLogParser, UnrecognisedLinesGiveNothing) {
  const std::string garbage[] = {
      "",
      "   ",
      "0: : ",
      "garbage",
      "socket: Protocol not supported",
      "0: : IO method (auth thread): epoll (with changelist)",
      "0: : Total General servers: 2",
      "0: : session 001000000000000002: peer 127.0.0.1:42822 lifetime updated: 600",
      "0: : session 001000000000000001: realm <r> user <u>: incoming packet ALLOCATE processed, success",
      "0: : session 000000000000000001: TLS/TCP socket disconnected: 127.0.0.1:60658",
      "0: : session 001000000000000001: closed (1st stage), user <u> realm <r> origin <>, local a, remote b, "
      "reason: x",
      "0: : session abc: new, realm=<r>, username=<u>, lifetime=5",
      "0: : session 1: new, realm=<r>, username=<u>",
      "0: : session 1: new, realm=<r>, username=<u>, lifetime=",
      "0: : session 99999999999999999999999: delete: realm=<r>, username=<u>",
      "0: : session 1: usage: realm=<r>, username=<u>, rp=1, rb=2, sp=3",
      "0: : session 1: usage: realm=<r>, username=<u>, rp=1, rb=2, sp=3, sb=4 trailing",
      "0: : session 1: usage: realm=<r>, username=<u>, rp=-1, rb=2, sp=3, sb=4",
      "0: : session 1: realm <r> user <u>: incoming packet message processed, error abc: x",
      "0: : session 1: realm <r> user <u>: incoming packet message processed, error 99999: x",
      "0: : session 1: closed (2nd stage), no reason here",
      "0: : Trying to bind TLS/TCP listener socket to addr 127.0.0.1:58912, again...",
      std::string(5000, 'x'),
      std::string("session 1\0: new", 15),
  };
  for (const auto& line : garbage) EXPECT_FALSE(parse_coturn_line(line).has_value()) << line;
}

TEST(CoturnLogParser, FixturesParseWithoutSurprises) {
  // Every usage line of every fixture parses: those are what the traffic counters need.
  for (const char* name : {"allocation_traffic", "auth_failure", "quota", "tls_denied_peer"}) {
    std::ifstream in(std::string(SWITCHBOARD_SOURCE_DIR) + "/tests/fixtures/coturn/" + name + ".log");
    ASSERT_TRUE(in) << name;
    int usage_lines = 0, parsed_usage = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.find(" usage: ") == std::string::npos) continue;
      ++usage_lines;
      auto e = parse_coturn_line(line);
      parsed_usage += (e && std::holds_alternative<traffic_usage>(*e)) ? 1 : 0;
    }
    EXPECT_EQ(parsed_usage, usage_lines) << name;
  }
}

}  // namespace
