#pragma once
// The table of configuration keys: how each is read from YAML and written back.
// Keeping read and write side by side is what lets dump_masked, known_keys and
// the loader agree on the key set without a second list to keep in sync.

#include "signaling/config/config.hpp"
#include "signaling/config/readers.hpp"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::config::detail {

struct field {
  std::string key;  // dotted path
  // Stores the value in the config, or appends what is wrong with it.
  std::function<void(const YAML::Node&, config&, field_errors&)> read;
  // The value as YAML, secrets replaced by "***".
  std::function<YAML::Node(const config&)> write;
};

// Every key, in documentation order.
const std::vector<field>& fields();

const field* find_field(std::string_view key);

// True for "server", "server.tls", ...: keys that hold a map of other keys.
bool is_section(std::string_view key);

// The closest known key or section to a misspelt one, if any is close enough.
std::optional<std::string> suggest_key(std::string_view unknown);

}  // namespace switchboard::config::detail
