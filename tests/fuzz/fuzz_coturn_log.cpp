// coturn's output as Switchboard reads it: the byte stream is cut into lines
// by turn/supervisor's line_splitter (fed whole and in reads of sizes taken
// from the stream), each line goes through parse_coturn_line, and the events
// into relay_metrics. coturn 4.6.1 prints unauthenticated usernames raw, so
// any client can write whole lines of this stream.
//
// Checked: both feeds give the same lines, none longer than the bound or
// holding a newline; parsing is pure and ignores a trailing '\r'; the tracked
// sessions never pass max_tracked and coturn's exit empties them.

#include "fuzz_check.hpp"
#include "turn/coturn/log_parser.hpp"
#include "turn/coturn/relay_metrics.hpp"
#include "turn/supervisor/line_splitter.hpp"

#include <prometheus/registry.h>

#include <string>
#include <vector>

namespace {

namespace turn = switchboard::turn;

std::vector<std::string> split(std::string_view stream, std::size_t max_line, std::size_t read_size) {
  turn::line_splitter splitter(max_line);
  std::vector<std::string> lines;
  const turn::line_sink sink = [&](std::string_view line) {
    FUZZ_CHECK(line.size() <= max_line && line.find('\n') == std::string_view::npos);
    lines.emplace_back(line);
  };
  for (std::size_t pos = 0; pos < stream.size(); pos += read_size) splitter.feed(stream.substr(pos, read_size), sink);
  splitter.finish(sink);
  return lines;
}

void check_line(std::string_view line) {
  const auto event = turn::parse_coturn_line(line);
  FUZZ_CHECK(turn::parse_coturn_line(line) == event);
  FUZZ_CHECK(turn::parse_coturn_line(std::string(line) + "\r") == event);
  if (const auto* f = event ? std::get_if<turn::request_failed>(&*event) : nullptr) {
    FUZZ_CHECK(f->code >= 0 && f->code <= 699);
  }
  if (const auto* c = event ? std::get_if<turn::session_closed>(&*event) : nullptr) {
    FUZZ_CHECK(!turn::to_string(c->reason).empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto stream = switchboard::fuzz::as_text(data, size);
  const std::size_t read_size = size == 0 ? 1 : 1 + static_cast<std::uint8_t>(stream.back()) % 61;
  // The supervisor's bound (max_line_bytes), and one the fuzzer reaches easily.
  for (const std::size_t max_line : {std::size_t{8192}, std::size_t{48}}) {
    const auto lines = split(stream, max_line, stream.size() + 1);
    FUZZ_CHECK(split(stream, max_line, read_size) == lines);
  }
  // Built once (registering the series is slow); coturn's exit below empties it again.
  constexpr std::size_t max_tracked = 8;
  static prometheus::Registry registry;
  static turn::relay_metrics metrics(registry, max_tracked);
  FUZZ_CHECK(metrics.active() == 0);
  for (const auto& line : split(stream, 8192, stream.size() + 1)) {
    check_line(line);
    if (const auto event = turn::parse_coturn_line(line)) metrics.apply(*event);
    FUZZ_CHECK(metrics.active() <= max_tracked);
  }
  metrics.on_coturn_exit();
  FUZZ_CHECK(metrics.active() == 0);
  return 0;
}
