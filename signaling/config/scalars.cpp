#include "signaling/config/scalars.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace switchboard::config {
namespace {

struct duration_unit {
  std::string_view suffix;
  std::int64_t ms;
};

// Longest suffix first so "ms" is not read as "m" followed by junk.
constexpr std::array<duration_unit, 5> units{{
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};

bool is_ip(int family, const std::string& host) {
  std::array<unsigned char, 16> buf{};
  return inet_pton(family, host.c_str(), buf.data()) == 1;
}

// Letters, digits, '-' and '.', starting with a letter or digit: enough to
// catch typos; whether the name resolves is for the listener to find out.
bool is_host_name(const std::string& host) {
  const auto ok = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  return !host.empty() && ok(host.front()) && std::all_of(host.begin(), host.end(), [&](char c) {
    return ok(c) || c == '-' || c == '.';
  });
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  const auto value = parse_unsigned(text);
  if (!value || *value > 65535 || text.size() > 5) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(*value);
}

}  // namespace

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string format_number(double value) {
  std::array<char, 64> buf{};
  const auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  return ec == std::errc{} ? std::string(buf.data(), ptr) : std::string("nan");
}

std::optional<std::chrono::milliseconds> parse_duration(const std::string& input) {
  std::string_view text = input;
  std::int64_t unit_ms = 1000;  // a bare number is seconds
  for (const auto& unit : units) {
    if (text.size() > unit.suffix.size() && text.ends_with(unit.suffix)) {
      unit_ms = unit.ms;
      text.remove_suffix(unit.suffix.size());
      break;
    }
  }
  const auto count = parse_unsigned(text);
  const auto limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / unit_ms);
  if (!count || *count > limit) {
    return std::nullopt;
  }
  return std::chrono::milliseconds{static_cast<std::int64_t>(*count) * unit_ms};
}

std::string format_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms == 0) {
    return "0s";
  }
  for (auto it = units.rbegin(); it != units.rend(); ++it) {
    if (ms % it->ms == 0) {
      return std::to_string(ms / it->ms) + std::string(it->suffix);
    }
  }
  return std::to_string(ms) + "ms";  // unreachable: every count is a whole number of ms
}

std::optional<endpoint> parse_endpoint(std::string_view text) {
  endpoint out;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") {
      return std::nullopt;
    }
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    if (!is_ip(AF_INET6, out.host)) {
      return std::nullopt;
    }
  } else {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos) {
      return std::nullopt;  // a bare IPv6 address is ambiguous without brackets
    }
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (!is_ip(AF_INET, out.host) && !is_host_name(out.host)) {
      return std::nullopt;
    }
  }
  const auto port = parse_port(port_text);
  if (!port) {
    return std::nullopt;
  }
  out.port = *port;
  return out;
}

std::string format_endpoint(const endpoint& e) {
  const bool v6 = e.host.find(':') != std::string::npos;
  return (v6 ? "[" + e.host + "]" : e.host) + ":" + std::to_string(e.port);
}

}  // namespace switchboard::config
