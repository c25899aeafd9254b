#include "tests/support/metrics_text.hpp"

#include <map>
#include <sstream>
#include <string>

namespace switchboard::test {
namespace {

struct series_key {
  std::string name;
  std::map<std::string, std::string> labels;
  bool operator==(const series_key&) const = default;
};

// Parses `name{a="x",b="y"}` starting at `text`; returns the key and the
// number of characters used, or nullopt.
std::optional<std::pair<series_key, std::size_t>> parse_key(std::string_view text) {
  series_key key;
  std::size_t i = 0;
  while (i < text.size() && text[i] != '{' && text[i] != ' ') ++i;
  key.name = std::string(text.substr(0, i));
  if (key.name.empty()) return std::nullopt;
  if (i == text.size() || text[i] != '{') return std::pair{key, i};
  ++i;
  while (i < text.size() && text[i] != '}') {
    const auto eq = text.find("=\"", i);
    if (eq == std::string_view::npos) return std::nullopt;
    std::string name(text.substr(i, eq - i));
    std::string value;
    std::size_t j = eq + 2;
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\' && j + 1 < text.size()) ++j;
      value += text[j];
    }
    if (j == text.size()) return std::nullopt;
    key.labels[name] = value;
    i = j + 1;
    if (i < text.size() && text[i] == ',') ++i;
  }
  if (i == text.size()) return std::nullopt;
  return std::pair{key, i + 1};
}

}  // namespace

std::optional<double> find_metric(std::string_view text, std::string_view series) {
  const auto wanted = parse_key(series);
  if (!wanted) return std::nullopt;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto parsed = parse_key(line);
    if (!parsed || !(parsed->first == wanted->first)) continue;
    try {
      return std::stod(line.substr(parsed->second));
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace switchboard::test
