#pragma once
// Reading one YAML node as one kind of configuration value. Each reader either
// returns the value or appends a field_error naming what was expected and what
// was found, so the loader can report every bad value in one pass.

#include "signaling/config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::config::detail {

// One complaint about a value; `subkey` narrows the key ("[2]" for a list
// item) and `mark` points at the offending node when it came from a file.
struct field_error {
  std::string subkey;
  std::string message;
  YAML::Mark mark;
};
using field_errors = std::vector<field_error>;

// Extra rule for a string value; returns the complaint, if any.
using text_check = std::optional<std::string> (*)(const std::string&);

// "a list", "a map", "null" or the scalar in quotes, for "expected X, got Y".
std::string describe(const YAML::Node& node);

// Null reads as "" so `key:` with no value clears a string.
std::optional<std::string> read_text(const YAML::Node& node, text_check check,
                                     field_errors& errors);
std::optional<bool> read_flag(const YAML::Node& node, field_errors& errors);
std::optional<std::uint64_t> read_count(const YAML::Node& node, std::uint64_t min,
                                        std::uint64_t max, field_errors& errors);
std::optional<double> read_positive(const YAML::Node& node, field_errors& errors);
std::optional<milliseconds> read_millis(const YAML::Node& node, bool allow_zero,
                                       field_errors& errors);
// read_millis, and a whole number of seconds.
std::optional<seconds> read_seconds(const YAML::Node& node, bool allow_zero,
                                    field_errors& errors);
std::optional<endpoint> read_endpoint(const YAML::Node& node, field_errors& errors);
// Null reads as an empty list. `masked` keeps item values out of messages.
std::optional<std::vector<std::string>> read_list(const YAML::Node& node, text_check check,
                                                  bool masked, field_errors& errors);

// Rules shared by several keys.
std::optional<std::string> check_ws_path(const std::string& path);
std::optional<std::string> check_uri(const std::string& uri);
std::optional<std::string> check_origin(const std::string& origin);
std::optional<std::string> check_secret(const std::string& secret);
std::optional<std::string> check_not_empty(const std::string& text);
// Managed-coturn keys (turn_checks.cpp).
std::optional<std::string> check_ip_or_empty(const std::string& text);
std::optional<std::string> check_port_range(const std::string& text);
std::optional<std::string> check_external_ip(const std::string& text);
std::optional<std::string> check_host_port_or_empty(const std::string& text);
// Cluster keys (cluster_checks.cpp).
std::optional<std::string> check_redis_url(const std::string& text);
std::optional<std::string> check_node_id_or_empty(const std::string& text);
std::optional<std::string> check_key_prefix(const std::string& text);

}  // namespace switchboard::config::detail
