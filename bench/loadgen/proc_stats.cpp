#include "bench/loadgen/proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>

namespace switchboard::bench {
namespace {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<std::uint64_t> to_u64(std::string_view s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end == s.data()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::uint64_t> parse_stat_cpu_ticks(std::string_view stat) {
  // comm (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view rest = stat.substr(close + 1);
  std::optional<std::uint64_t> utime;
  for (int field = 3; field <= 15; ++field) {
    const auto begin = rest.find_first_not_of(' ');
    if (begin == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(begin);
    const auto end = rest.find(' ');
    const std::string_view token = rest.substr(0, end);
    if (field == 14) utime = to_u64(token);
    if (field == 15) {
      const auto stime = to_u64(token);
      if (!utime || !stime) return std::nullopt;
      return *utime + *stime;
    }
    if (end == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(end);
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_status_rss_kib(std::string_view status) {
  constexpr std::string_view key = "VmRSS:";
  const auto at = status.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = status.substr(at + key.size());
  const auto begin = rest.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return std::nullopt;
  rest.remove_prefix(begin);
  return to_u64(rest.substr(0, rest.find(' ')));
}

std::optional<double> process_cpu_us(int pid) {
  const auto text = read_text("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  const auto ticks = parse_stat_cpu_ticks(*text);
  const long hz = sysconf(_SC_CLK_TCK);
  if (!ticks || hz <= 0) return std::nullopt;
  return static_cast<double>(*ticks) * 1e6 / static_cast<double>(hz);
}

std::optional<std::uint64_t> process_rss_kib(int pid) {
  const auto text = read_text("/proc/" + std::to_string(pid) + "/status");
  if (!text) return std::nullopt;
  return parse_status_rss_kib(*text);
}

double self_cpu_us() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  const auto us = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) * 1e6 + static_cast<double>(tv.tv_usec);
  };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

double load_average() {
  std::ifstream in("/proc/loadavg");
  double one_minute = -1;
  if (!(in >> one_minute)) return -1;
  return one_minute;
}

}  // namespace switchboard::bench
