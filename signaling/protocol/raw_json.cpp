#include "signaling/protocol/raw_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace switchboard::protocol::raw {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class reader {
public:
  explicit reader(std::string_view t) : t_(t) {}

  void skip_space() {
    while (i_ < t_.size() && is_space(t_[i_])) ++i_;
  }
  bool take(char c) {
    skip_space();
    if (i_ >= t_.size() || t_[i_] != c) return false;
    ++i_;
    return true;
  }
  // The value starting here (after white space), as written.
  std::string_view value() {
    skip_space();
    const std::size_t start = i_;
    if (i_ >= t_.size()) return {};
    const char c = t_[i_];
    if (c == '"') {
      skip_string();
    } else if (c == '{' || c == '[') {
      skip_nested();
    } else {
      while (i_ < t_.size() && !is_space(t_[i_]) && t_[i_] != ',' && t_[i_] != '}' && t_[i_] != ']') ++i_;
    }
    return t_.substr(start, i_ - start);
  }

private:
  void skip_string() {
    for (++i_; i_ < t_.size(); ++i_) {
      if (t_[i_] == '\\') {
        ++i_;
      } else if (t_[i_] == '"') {
        ++i_;
        return;
      }
    }
  }
  void skip_nested() {
    int depth = 0;
    while (i_ < t_.size()) {
      const char c = t_[i_];
      if (c == '"') {
        skip_string();
        continue;
      }
      ++i_;
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return;
    }
  }

  std::string_view t_;
  std::size_t i_ = 0;
};

}  // namespace

bool object_members(std::string_view text, std::vector<member>& out) {
  out.clear();
  reader r(text);
  if (!r.take('{')) return false;
  if (r.take('}')) return true;
  do {
    const std::string_view key = r.value();
    if (key.empty() || key.front() != '"' || !r.take(':')) return false;
    const std::string_view value = r.value();
    if (value.empty()) return false;
    out.push_back({key, value});
  } while (r.take(','));
  return r.take('}');
}

std::string_view find_member(std::string_view text, std::string_view key) {
  std::vector<member> members;
  if (!object_members(text, members)) return {};
  std::string_view found;
  for (const auto& m : members) {
    if (key_of(m.key) == key) found = m.value;
  }
  return found;
}

std::string key_of(std::string_view quoted) {
  if (quoted.size() < 2) return {};
  if (quoted.find('\\') == std::string_view::npos) return std::string(quoted.substr(1, quoted.size() - 2));
  boost::system::error_code ec;
  const auto v = boost::json::parse(quoted, ec);
  return !ec && v.is_string() ? std::string(v.as_string()) : std::string();
}

}  // namespace switchboard::protocol::raw
