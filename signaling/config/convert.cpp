#include "signaling/config/convert.hpp"

#include "signaling/config/schema.hpp"

#include <set>

namespace switchboard::config::detail {
namespace {

class walker {
 public:
  walker(const document& doc, std::vector<problem>& problems)
      : doc_(doc), problems_(problems) {}

  conversion run() {
    walk_map(doc_.root(), "");
    return std::move(out_);
  }

 private:
  void walk_map(const YAML::Node& map, const std::string& prefix) {
    std::set<std::string> seen;
    for (const auto& entry : map) {
      const auto name = entry.first.IsScalar() ? entry.first.Scalar() : std::string();
      const auto key = prefix.empty() ? name : prefix + "." + name;
      if (!seen.insert(name).second) {
        report(key, entry.first.Mark(), "duplicate key");
        continue;
      }
      // A dotted name would alias a nested key; YAML nesting is the only spelling.
      const bool plain = !name.empty() && name.find('.') == std::string::npos;
      if (plain && find_field(key) != nullptr) {
        read_field(*find_field(key), entry.first, entry.second);
      } else if (plain && is_section(key)) {
        walk_section(key, entry.first, entry.second);
      } else {
        report_unknown(key, entry.first);
      }
    }
  }

  void walk_section(const std::string& key, const YAML::Node& name, const YAML::Node& value) {
    if (value.IsNull()) {
      return;  // "server:" with nothing under it keeps every default
    }
    if (!value.IsMap()) {
      report(key, mark_of(name, value), "expected a map, got " + describe(value));
      return;
    }
    walk_map(value, key);
  }

  void read_field(const field& f, const YAML::Node& name, const YAML::Node& value) {
    out_.sources[f.key] = doc_.source_of(f.key, mark_of(name, value));
    field_errors errors;
    f.read(value, out_.cfg, errors);
    for (const auto& e : errors) {
      const auto mark = e.mark.is_null() ? mark_of(name, value) : e.mark;
      report(f.key + e.subkey, mark, e.message, f.key);
    }
  }

  void report_unknown(const std::string& key, const YAML::Node& name) {
    if (!name.IsScalar()) {
      report(key, name.Mark(), "keys must be plain strings, got " + describe(name));
      return;
    }
    const auto hint = suggest_key(key);
    report(key, name.Mark(), "unknown key" + (hint ? "; did you mean " + *hint + "?" : ""));
  }

  // `source_key` is `key` without a list index, as overrides are per key.
  void report(const std::string& key, const YAML::Mark& mark, std::string message,
              const std::string& source_key = {}) {
    const auto source = doc_.source_of(source_key.empty() ? key : source_key, mark);
    problems_.push_back({key, source, std::move(message)});
  }

  // A null value's mark points past the key, often at the next line; the
  // key's own line is what a reader looks for.
  static YAML::Mark mark_of(const YAML::Node& name, const YAML::Node& value) {
    return value.IsNull() || value.Mark().is_null() ? name.Mark() : value.Mark();
  }

  const document& doc_;
  std::vector<problem>& problems_;
  conversion out_;
};

}  // namespace

conversion convert(const document& doc, std::vector<problem>& problems) {
  return walker(doc, problems).run();
}

}  // namespace switchboard::config::detail
