#include "signaling/config/document.hpp"

#include "signaling/config/schema.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace switchboard::config::detail {
namespace {

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(separator, start);
    out.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) {
      return out;
    }
    start = end + 1;
  }
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

bool is_known(std::string_view key) { return find_field(key) != nullptr || is_section(key); }

}  // namespace

document::document(std::string path) : path_(std::move(path)), root_(YAML::NodeType::Map) {}

void document::load_file(std::vector<problem>& problems) {
  std::error_code ec;
  if (std::filesystem::is_directory(path_, ec)) {
    // A directory opens as an empty stream, which would read as "no settings".
    problems.push_back({"", path_, "cannot read: is a directory"});
    file_ok_ = false;
    return;
  }
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    problems.push_back({"", path_, std::string("cannot read: ") + std::strerror(errno)});
    file_ok_ = false;
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const YAML::Node parsed = YAML::Load(text.str());
    if (parsed.IsMap()) {
      root_ = parsed;
    } else if (!parsed.IsNull()) {
      problems.push_back({"", path_ + ":" + std::to_string(parsed.Mark().line + 1),
                          "expected a map of settings at the top level, got " + describe(parsed)});
      file_ok_ = false;
    }
  } catch (const YAML::Exception& e) {
    problems.push_back({"", path_ + ":" + std::to_string(e.mark.line + 1), e.msg});
    file_ok_ = false;
  }
}

void document::set(const std::string& key, const YAML::Node& value, std::string source,
                   std::vector<problem>& problems) {
  const auto parts = split(key, '.');
  YAML::Node node;
  node.reset(root_);  // reset, not assign: assigning a Node overwrites what it refers to
  std::string section;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    section += (i == 0 ? "" : ".") + parts[i];
    YAML::Node child = node[parts[i]];
    if (child.IsDefined() && !child.IsNull() && !child.IsMap()) {
      problems.push_back({key, source, "cannot set: " + section + " is not a map"});
      return;
    }
    node.reset(child);
  }
  node[parts.back()] = value;
  // An override replaces the whole subtree, including values earlier
  // overrides put inside it.
  std::erase_if(overrides_, [&](const auto& entry) {
    return entry.first == key || entry.first.starts_with(key + ".");
  });
  overrides_.emplace(key, std::move(source));
}

std::string document::source_of(std::string_view key, const YAML::Mark& mark) const {
  for (auto prefix = key;; prefix = prefix.substr(0, prefix.rfind('.'))) {
    if (const auto found = overrides_.find(prefix); found != overrides_.end()) {
      return found->second;
    }
    if (prefix.find('.') == std::string_view::npos) {
      break;
    }
  }
  if (!mark.is_null() && !path_.empty()) {
    return path_ + ":" + std::to_string(mark.line + 1);
  }
  return fallback_source();
}

std::string document::fallback_source() const { return path_.empty() ? "defaults" : path_; }

void apply_env(document& doc, const std::map<std::string, std::string>& env,
               std::vector<problem>& problems) {
  if (const auto jwks = env.find(auth_jwks_env); jwks != env.end() && !trim(jwks->second).empty()) {
    doc.set("auth.jwks", YAML::Node(jwks->second), std::string("env ") + auth_jwks_env, problems);
  }
  const auto found = env.find(turn_secret_env);
  if (found == env.end()) {
    return;
  }
  YAML::Node secrets(YAML::NodeType::Sequence);
  for (const auto& part : split(found->second, ',')) {
    if (auto secret = trim(part); !secret.empty()) {
      secrets.push_back(secret);
    }
  }
  // An exported-but-empty variable is treated as unset, as shells make that easy.
  if (secrets.size() > 0) {
    doc.set("turn.secrets", secrets, std::string("env ") + turn_secret_env, problems);
  }
}

void apply_set(document& doc, const std::string& assignment, std::vector<problem>& problems) {
  const auto equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) {
    // No value to leak here: without "=" there is only the key.
    problems.push_back({"", "--set " + assignment, "expected dotted.key=value"});
    return;
  }
  const auto key = assignment.substr(0, equals);
  const auto source = "--set " + key;
  if (!is_known(key)) {
    const auto hint = suggest_key(key);
    const auto suffix = hint ? "; did you mean " + *hint + "?" : std::string();
    problems.push_back({key, source, "unknown key" + suffix});
    return;
  }
  try {
    doc.set(key, YAML::Load(assignment.substr(equals + 1)), source, problems);
  } catch (const YAML::Exception& e) {
    problems.push_back({key, source, "value is not valid YAML: " + e.msg});
  }
}

}  // namespace switchboard::config::detail
