// Log hygiene: client values, line rendering (and the spdlog formatter built
// on it), the warning throttle and the fd budget.

#include "signaling/app/logging.hpp"
#include "signaling/log/fd_budget.hpp"
#include "signaling/log/line_format.hpp"
#include "signaling/log/log_throttle.hpp"
#include "signaling/log/log_value.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cctype>
#include <limits>
#include <random>
#include <sstream>
#include <thread>

namespace switchboard::log {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

// Decodes `body` as the inside of a JSON string; Boost.JSON rejects invalid UTF-8,
// so this also checks the encoding independently of our decoder.
std::string json_decode(const std::string& body) {
  return std::string(boost::json::parse("\"" + body + "\"").as_string());
}

std::string json_body(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

bool has_control_byte(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return true;
  }
  return false;
}

std::string random_bytes(std::mt19937& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xFF);
  return s;
}

// Test names, and failure messages, from each case's `name`.
struct by_name {
  template <class P>
  std::string operator()(const ::testing::TestParamInfo<P>& p) const { return p.param.name; }
};
template <class Case>
  requires requires(const Case& c) { c.name; }
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

// ------------------------------------------------------------ log_value

struct value_case {
  const char* name;
  std::string in;
  std::size_t max;
  std::string out;
};

class LogValue : public ::testing::TestWithParam<value_case> {};

TEST_P(LogValue, EscapesAndTruncates) {
  const auto& c = GetParam();
  const std::string got = log_value(c.in, c.max);
  EXPECT_EQ(got, c.out);
  EXPECT_FALSE(has_control_byte(got));
  EXPECT_NO_THROW(json_decode(json_body(got)));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LogValue,
    ::testing::Values(
        value_case{"empty", "", 200, ""},
        value_case{"ascii", "https://example.com", 200, "https://example.com"},
        value_case{"two_byte", "caf\xc3\xa9", 200, "caf\xc3\xa9"},
        value_case{"three_byte", "\xe2\x82\xac", 200, "\xe2\x82\xac"},
        value_case{"four_byte_max", "\xf4\x8f\xbf\xbf", 200, "\xf4\x8f\xbf\xbf"},
        value_case{"above_max", "\xf4\x90\x80\x80", 200, "\\xf4\\x90\\x80\\x80"},
        value_case{"overlong_2", "\xc0\xaf", 200, "\\xc0\\xaf"},
        value_case{"overlong_3", "\xe0\x80\xaf", 200, "\\xe0\\x80\\xaf"},
        value_case{"overlong_4", "\xf0\x80\x80\xaf", 200, "\\xf0\\x80\\x80\\xaf"},
        value_case{"surrogate", "\xed\xa0\x80", 200, "\\xed\\xa0\\x80"},
        value_case{"below_surrogates", "\xed\x9f\xbf", 200, "\xed\x9f\xbf"},
        value_case{"truncated_at_end", "a\xe2\x82", 200, "a\\xe2\\x82"},
        value_case{"truncated_mid", "\xe2\x82" "A", 200, "\\xe2\\x82" "A"},
        value_case{"lone_continuation", "\x80x", 200, "\\x80x"},
        value_case{"ff", "\xff\xfe", 200, "\\xff\\xfe"},
        value_case{"nul", "a\0b"s, 200, "a\\x00b"},
        value_case{"newlines_tab", "a\r\nb\t", 200, "a\\x0d\\x0ab\\x09"},
        value_case{"del", "\x7f", 200, "\\x7f"},
        value_case{"c1_nel", "\xc2\x85", 200, "\\u{0085}"},
        value_case{"bidi_override", "\xe2\x80\xae" "abc", 200, "\\u{202e}abc"},
        value_case{"line_separator", "\xe2\x80\xa8", 200, "\\u{2028}"},
        value_case{"backslash_and_quote", "a\\\"b", 200, "a\\\\\"b"},
        value_case{"exactly_at_limit", "abc", 3, "abc"},
        value_case{"one_over_limit", "abcd", 3, "abc\xe2\x80\xa6(+1 bytes)"},
        value_case{"no_cut_in_sequence", "a\xc3\xa9", 2, "a\xe2\x80\xa6(+2 bytes)"},
        value_case{"four_byte_at_limit", "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80"},
        value_case{"four_byte_over_limit", "\xf0\x9f\x98\x80", 3, "\xe2\x80\xa6(+4 bytes)"},
        value_case{"no_cut_in_escape", "ab\n", 4, "ab\xe2\x80\xa6(+1 bytes)"},
        value_case{"escape_at_limit", "ab\n", 6, "ab\\x0a"},
        value_case{"zero_limit", "xyz", 0, "\xe2\x80\xa6(+3 bytes)"}),
    by_name{});

TEST(LogValue, HostileOriginBecomesShort) {
  std::mt19937 rng(42);
  const std::string origin = "https://" + random_bytes(rng, 15 * 1024);
  const std::string got = log_value(origin);
  EXPECT_LE(got.size(), 220u);
  EXPECT_TRUE(got.starts_with("https://"));
  EXPECT_TRUE(got.ends_with(" bytes)"));
  EXPECT_FALSE(has_control_byte(got));
  EXPECT_NO_THROW(json_decode(json_body(got)));
}

TEST(LogValue, RandomInputStaysBoundedAndPrintable) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const std::string in = random_bytes(rng, rng() % 64);
    const std::size_t max = rng() % 80;
    const std::string got = log_value(in, max);
    ASSERT_LE(got.size(), max + 32) << i;
    ASSERT_FALSE(has_control_byte(got)) << i;
    ASSERT_NO_THROW(json_decode(json_body(got))) << i;
    // The text formatter leaves an already safe value as it is.
    std::string text;
    append_text_message(text, got);
    ASSERT_EQ(text, got) << i;
  }
}

// ------------------------------------------------------------ line_format

constexpr log_time at(std::chrono::sys_days day, std::chrono::milliseconds since_midnight) {
  return log_time(day) + since_midnight;
}
constexpr auto readme_time = at(std::chrono::year(2026) / 11 / 24, 22h + 44min + 34s + 54ms);

TEST(LineFormat, TimestampIsUtcWithMilliseconds) {
  const std::pair<log_time, std::string> cases[] = {
      {log_time{}, "1970-01-01T00:00:00.000Z"},
      {readme_time, "2026-11-24T22:44:34.054Z"},
      {log_time{} - 1ms, "1969-12-31T23:59:59.999Z"},
      {at(std::chrono::year(2024) / 2 / 29, 23h + 59min + 59s + 999ms), "2024-02-29T23:59:59.999Z"},
  };
  for (const auto& [t, want] : cases) {
    std::string got;
    append_utc_timestamp(got, t);
    EXPECT_EQ(got, want);
  }
}

TEST(LineFormat, TextLineKeepsTheOldPatternAndEscapes) {
  const std::pair<std::string, std::string> cases[] = {
      {"signaling listening on http://0.0.0.0:8080", "signaling listening on http://0.0.0.0:8080"},
      {"forged\n2026-11-24T22:44:34.054Z info x", "forged\\x0a2026-11-24T22:44:34.054Z info x"},
      {"bad \xff\xc0 utf8 \xe2\x80\xae", "bad \\xff\\xc0 utf8 \\u{202e}"},
      {"path C:\\dir \"q\" caf\xc3\xa9", "path C:\\dir \"q\" caf\xc3\xa9"},
  };
  for (const auto& [msg, want] : cases) {
    std::string got;
    append_text_line(got, readme_time, "warning", msg);
    EXPECT_EQ(got, "2026-11-24T22:44:34.054Z warning " + want + "\n");
  }
}

struct json_case {
  const char* name;
  std::string msg;
  std::string decoded;  // what a JSON reader gets back as "msg"
};

class JsonLine : public ::testing::TestWithParam<json_case> {};

TEST_P(JsonLine, IsOneValidObjectAndRoundTripsTheValidParts) {
  const auto& c = GetParam();
  std::string line;
  append_json_line(line, readme_time, "info", c.msg);
  ASSERT_TRUE(line.ends_with("\n"));
  EXPECT_FALSE(has_control_byte(line.substr(0, line.size() - 1))) << line;
  const auto obj = boost::json::parse(line).as_object();
  EXPECT_EQ(obj.size(), 3u);
  EXPECT_EQ(obj.at("ts").as_string(), "2026-11-24T22:44:34.054Z");
  EXPECT_EQ(obj.at("level").as_string(), "info");
  EXPECT_EQ(std::string(obj.at("msg").as_string()), c.decoded);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JsonLine,
    ::testing::Values(json_case{"plain", "hello", "hello"},
                      json_case{"quotes_backslash", "say \"hi\" \\ bye", "say \"hi\" \\ bye"},
                      json_case{"controls", "a\nb\r\t\x01\x7f" "c\0"s, "a\nb\r\t\x01\x7f" "c\0"s},
                      json_case{"utf8", "caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80"},
                      json_case{"separators", "\xe2\x80\xa8\xe2\x80\xae\xc2\x85", "\xe2\x80\xa8\xe2\x80\xae\xc2\x85"},
                      json_case{"invalid", "o=\xff\xfe!", "o=\\xff\\xfe!"},
                      json_case{"surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80"},
                      json_case{"truncated", "x\xf0\x9f\x98", "x\\xf0\\x9f\\x98"},
                      json_case{"log_value_output", log_value("a\\b\n\xff"), "a\\\\b\\x0a\\xff"}),
    by_name{});

TEST(LineFormat, RandomMessagesGiveValidJson) {
  std::mt19937 rng(1);
  for (int i = 0; i < 2000; ++i) {
    std::string line;
    append_json_line(line, readme_time, "error", random_bytes(rng, rng() % 100));
    ASSERT_EQ(line.find('\n'), line.size() - 1) << i;
    ASSERT_NO_THROW(boost::json::parse(line)) << i;
  }
}

// ------------------------------------------------------------ spdlog wiring

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(Logger, JsonFormatterEmitsParseableLines) {
  std::ostringstream os;
  auto logger = app::make_logger({"info", config::log_format::json},
                                 std::make_shared<spdlog::sinks::ostream_sink_mt>(os));
  logger->warn("origin {} refused", "\xff\n\"x\"");
  logger->info("plain {}", 42);
  logger->debug("below the level");
  const auto lines = lines_of(os.str());
  ASSERT_EQ(lines.size(), 2u) << os.str();
  EXPECT_EQ(boost::json::parse(lines[0]).at("msg").as_string(), "origin \\xff\n\"x\" refused");
  EXPECT_EQ(boost::json::parse(lines[0]).at("level").as_string(), "warning");
  EXPECT_EQ(boost::json::parse(lines[1]).at("msg").as_string(), "plain 42");
}

TEST(Logger, TextFormatterMatchesThePattern) {
  std::ostringstream os;
  auto logger = app::make_logger({"info", config::log_format::text},
                                 std::make_shared<spdlog::sinks::ostream_sink_mt>(os));
  logger->warn("origin {} refused", "a\nb");
  // Shape of "%Y-%m-%dT%H:%M:%S.%eZ", then the level and the escaped message.
  const std::string out = os.str();
  const std::string_view shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  ASSERT_GT(out.size(), shape.size()) << out;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    EXPECT_TRUE(shape[i] == 'd' ? std::isdigit(static_cast<unsigned char>(out[i])) != 0 : out[i] == shape[i]) << out;
  }
  EXPECT_EQ(out.substr(shape.size()), " warning origin a\\x0ab refused\n");
}

TEST(Logger, SetLevelTakesConfigAndSpdlogNames) {
  std::ostringstream os;
  auto logger = app::make_logger({"info", config::log_format::text},
                                 std::make_shared<spdlog::sinks::ostream_sink_mt>(os));
  const std::pair<std::string_view, spdlog::level::level_enum> good[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug}, {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},   {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
      {"critical", spdlog::level::critical}, {"off", spdlog::level::off}};
  for (const auto& [name, level] : good) {
    EXPECT_TRUE(app::set_level(*logger, name)) << name;
    EXPECT_EQ(logger->level(), level) << name;
  }
  for (const std::string_view bad : {"", "INFO", "err", "verbose", "info "}) {
    EXPECT_FALSE(app::set_level(*logger, bad)) << bad;
    EXPECT_EQ(logger->level(), spdlog::level::off) << "unchanged after " << bad;
  }
}

// ------------------------------------------------------------ log_throttle

struct event {
  std::size_t kind;
  std::chrono::milliseconds at;
  bool log;
  std::size_t suppressed_before;
};

struct throttle_case {
  const char* name;
  std::size_t burst;
  std::vector<event> events;
};

class Throttle : public ::testing::TestWithParam<throttle_case> {};

TEST_P(Throttle, LetsBurstPerWindowThroughAndCountsTheRest) {
  const auto& c = GetParam();
  const log_throttle::time_point t0{};
  log_throttle throttle(2, 10s, c.burst);
  for (std::size_t i = 0; i < c.events.size(); ++i) {
    const auto& e = c.events[i];
    const auto v = throttle.check(e.kind, t0 + e.at);
    EXPECT_EQ(v.log, e.log) << "event #" << i;
    EXPECT_EQ(v.suppressed_before, e.suppressed_before) << "event #" << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Throttle,
    ::testing::Values(
        throttle_case{"burst_then_suppressed_then_reported", 2,
                      {{0, 0ms, true, 0}, {0, 1ms, true, 0}, {0, 2ms, false, 0}, {0, 9999ms, false, 0},
                       {0, 10000ms, true, 2}, {0, 10001ms, true, 0}, {0, 10002ms, false, 0}}},
        throttle_case{"kinds_are_independent", 1,
                      {{0, 0ms, true, 0}, {1, 0ms, true, 0}, {0, 1ms, false, 0}, {1, 1ms, false, 0},
                       {1, 10s, true, 1}, {0, 12s, true, 1}}},
        throttle_case{"window_starts_at_first_event", 1,
                      {{0, 5s, true, 0}, {0, 14s, false, 0}, {0, 15s, true, 1}}},
        throttle_case{"out_of_range_kinds_share_a_slot", 1,
                      {{2, 0ms, true, 0}, {99, 1ms, false, 0}, {7, 10s, true, 1}, {0, 10s, true, 0}}},
        throttle_case{"quiet_kind_never_suppressed", 5,
                      {{0, 0s, true, 0}, {0, 20s, true, 0}, {0, 40s, true, 0}}}),
    by_name{});

TEST(Throttle, FlushReportsEndedWindowsOnce) {
  const log_throttle::time_point t0{};
  log_throttle throttle(3, 10s, 1);
  for (int i = 0; i < 4; ++i) throttle.check(1, t0 + std::chrono::milliseconds(i));
  throttle.check(2, t0 + 5s);
  throttle.check(2, t0 + 6s);
  EXPECT_TRUE(throttle.flush(t0 + 9s).empty());  // window of kind 1 still open
  using p = log_throttle::pending;
  EXPECT_EQ(throttle.flush(t0 + 10s), (std::vector<p>{{1, 3}}));
  EXPECT_TRUE(throttle.flush(t0 + 11s).empty());  // reported once
  EXPECT_EQ(throttle.flush(t0 + 15s), (std::vector<p>{{2, 1}}));
  EXPECT_EQ(throttle.check(1, t0 + 16s).suppressed_before, 0u);  // flush took the count
  EXPECT_EQ(suppressed_text(3), "suppressed 3 similar messages");
  EXPECT_EQ(suppressed_text(1), "suppressed 1 similar message");
}

TEST(Throttle, CountsEveryEventUnderContention) {
  const log_throttle::time_point t0{};
  log_throttle throttle(1, 10s, 5);
  std::atomic<std::size_t> logged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) logged += throttle.check(0, t0).log ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(logged.load(), 5u);
  EXPECT_EQ(throttle.flush(t0 + 10s), (std::vector<log_throttle::pending>{{0, 3995}}));
}

// ------------------------------------------------------------ fd_budget

TEST(FdBudget, WarnsWhenTheLimitIsBelowTheNeed) {
  constexpr auto unlimited = std::numeric_limits<std::uint64_t>::max();
  struct row {
    std::uint64_t max_connections, metrics, soft;
    bool too_low;
    std::uint64_t usable;
  };
  const row rows[] = {
      {10000, 8, 1024, true, 952},      // Debian's default soft limit
      {10000, 8, 10072, false, 10000},  // exactly enough
      {10000, 8, 10071, true, 9999},
      {10000, 8, 65536, false, 10000},
      {100, 8, 50, true, 0},            // not even the reserve
      {unlimited, 8, 1024, true, 952},  // sums saturate
      {10000, 8, unlimited, false, 10000},
  };
  for (const auto& r : rows) {
    const auto b = check_fd_budget({r.max_connections, r.metrics, r.soft});
    EXPECT_EQ(b.too_low, r.too_low) << r.soft;
    EXPECT_EQ(b.usable_connections, r.usable) << r.soft;
    EXPECT_EQ(b.warning.empty(), !r.too_low) << r.soft;
  }
  const auto b = check_fd_budget({10000, 8, 1024});
  EXPECT_EQ(b.needed, 10072u);
  EXPECT_NE(b.warning.find("soft limit 1024"), std::string::npos) << b.warning;
  EXPECT_NE(b.warning.find("10072 descriptors"), std::string::npos) << b.warning;
  EXPECT_NE(b.warning.find("after about 952 connections"), std::string::npos) << b.warning;
}

TEST(FdBudget, ReadsTheProcessLimit) {
  const auto lim = current_nofile_limit();
  ASSERT_TRUE(lim.has_value());
  EXPECT_GT(lim->soft, 0u);
  EXPECT_LE(lim->soft, lim->hard);
}

}  // namespace
}  // namespace switchboard::log
