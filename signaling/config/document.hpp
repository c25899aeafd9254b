#pragma once
// The YAML tree the configuration is read from: the file, with environment
// and --set overrides merged in, plus a record of which override put which
// subtree there so every problem can name where its value came from.

#include "signaling/config/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::config::detail {

class document {
 public:
  // Starts empty; `path` labels problems even if the file is never read.
  explicit document(std::string path);

  // Reads and parses the file; syntax errors become problems with their line.
  void load_file(std::vector<problem>& problems);

  // Replaces the value at `key` (a known key or section) with `value`.
  void set(const std::string& key, const YAML::Node& value, std::string source,
           std::vector<problem>& problems);

  // Where the value at `key` came from: the override that set it or an
  // enclosing section, else FILE:LINE from `mark`, else the file name.
  std::string source_of(std::string_view key, const YAML::Mark& mark) const;

  // Where values nobody set come from: the file, or "defaults" without one.
  std::string fallback_source() const;

  const YAML::Node& root() const { return root_; }

  // False once the file could not be read or parsed.
  bool file_ok() const { return file_ok_; }

 private:
  std::string path_;
  YAML::Node root_;
  bool file_ok_ = true;
  std::map<std::string, std::string, std::less<>> overrides_;
};

// Applies SWITCHBOARD_TURN_SECRET from `env`, if set and not blank.
void apply_env(document& doc, const std::map<std::string, std::string>& env,
               std::vector<problem>& problems);

// Applies one "--set dotted.key=value".
void apply_set(document& doc, const std::string& assignment, std::vector<problem>& problems);

}  // namespace switchboard::config::detail
