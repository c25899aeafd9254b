#include "signaling/auth/text_util.hpp"

namespace switchboard::auth {

std::string quoted_printable(std::string_view s, std::size_t max) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const char c = s[i];
    out.push_back(c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? c : '?');
  }
  out.push_back('"');
  if (s.size() > max) out += "...";
  return out;
}

std::string short_duration(long long seconds) {
  if (seconds < 0) seconds = 0;
  // Whole units read best ("1h", not "60m"); otherwise round down.
  if (seconds >= 86400 && seconds % 86400 == 0) return std::to_string(seconds / 86400) + "d";
  if (seconds >= 3600 && seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
  if (seconds >= 60 && seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  if (seconds < 120) return std::to_string(seconds) + "s";
  if (seconds < 2 * 3600) return std::to_string(seconds / 60) + "m";
  if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  constexpr long long max_seconds = 10LL * 366 * 86400;
  long long unit = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 's': unit = 1; text.remove_suffix(1); break;
      case 'm': unit = 60; text.remove_suffix(1); break;
      case 'h': unit = 3600; text.remove_suffix(1); break;
      case 'd': unit = 86400; text.remove_suffix(1); break;
      default: break;
    }
  }
  if (text.empty() || text.size() > 12) return std::nullopt;
  long long value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max_seconds / unit) return std::nullopt;
  return std::chrono::seconds{value * unit};
}

}  // namespace switchboard::auth
