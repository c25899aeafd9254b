#include "tests/hardening/server_probe.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <thread>

namespace switchboard::test {
namespace {

std::size_t kib_field(const std::string& status, std::string_view name) {
  const auto pos = status.find(name);
  if (pos == std::string::npos) return 0;
  std::istringstream in(status.substr(pos + name.size()));
  std::size_t kib = 0;
  in >> kib;
  return kib * 1024;
}

// A printable excerpt of a line that may be huge or hold any bytes.
std::string excerpt(std::string_view line) {
  std::string out;
  for (const char c : line.substr(0, 160)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 15]);
    }
  }
  if (line.size() > 160) out += "... (" + std::to_string(line.size()) + " bytes)";
  return out;
}

bool has_control_chars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

std::optional<memory_status> read_memory(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  const auto status = text.str();
  memory_status m{kib_field(status, "VmRSS:"), kib_field(status, "VmHWM:")};
  if (m.rss_bytes == 0) return std::nullopt;  // a zombie has no memory lines
  return m;
}

memory_watch::memory_watch(pid_t pid) : pid_(pid) {
  std::ofstream("/proc/" + std::to_string(pid) + "/clear_refs") << "5";
  if (const auto m = read_memory(pid)) baseline_ = m->rss_bytes;
}

std::size_t memory_watch::peak_growth() {
  if (const auto m = read_memory(pid_)) {
    last_peak_ = std::max(last_peak_, m->peak_bytes > baseline_ ? m->peak_bytes - baseline_ : 0);
  }
  return last_peak_;
}

std::size_t memory_watch::current_growth() {
  const auto m = read_memory(pid_);
  if (!m) return 0;
  return m->rss_bytes > baseline_ ? m->rss_bytes - baseline_ : 0;
}

log_window::log_window(process& p) : proc_(p), first_line_(p.line_count()), start_bytes_(p.output_bytes()) {}

std::size_t log_window::settle_and_measure() {
  const auto until = within(std::chrono::seconds(2));
  auto last = proc_.output_bytes();
  auto quiet_since = clock::now();
  while (clock::now() < until && clock::now() - quiet_since < std::chrono::milliseconds(300)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto now = proc_.output_bytes();
    if (now != last) {
      last = now;
      quiet_since = clock::now();
    }
  }
  return last - start_bytes_;
}

std::size_t log_window::lines() const { return proc_.line_count() - first_line_; }

std::size_t log_window::longest_line() const {
  std::size_t longest = 0;
  proc_.for_each_line(first_line_, [&](std::string_view line) {
    longest = std::max(longest, line.size());
    return true;
  });
  return longest;
}

std::size_t log_window::count(std::string_view needle) const {
  std::size_t n = 0;
  proc_.for_each_line(first_line_, [&](std::string_view line) {
    if (line.find(needle) != std::string_view::npos) ++n;
    return true;
  });
  return n;
}

std::string log_window::first_invalid_line(bool json) const {
  std::string problem;
  std::size_t index = 0;
  proc_.for_each_line(0, [&](std::string_view line) {
    ++index;
    if (json) {
      boost::system::error_code ec;
      const auto v = boost::json::parse(line, ec);
      if (ec || !v.is_object()) problem = "not a JSON object (" + (ec ? ec.message() : "other value") + ")";
    } else if (!valid_utf8(line)) {
      problem = "invalid UTF-8";
    } else if (has_control_chars(line)) {
      problem = "control character";
    }
    if (problem.empty()) return true;
    problem = "log line " + std::to_string(index) + ": " + problem + ": " + excerpt(line);
    return false;
  });
  return problem;
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Lead byte: how many continuation bytes follow, and its payload bits.
    const std::size_t n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n == 0 || s.size() - i <= n) return false;
    std::uint32_t cp = c & (0x3f >> n);
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    const bool overlong = (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
    if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace switchboard::test
