#pragma once
// Loading: YAML file, then SWITCHBOARD_* environment, then --set overrides
// (each a "dotted.key=value" whose value is parsed as YAML), then validation.

#include "signaling/config/config.hpp"
#include "signaling/config/scalars.hpp"  // parse_duration, format_endpoint, ...

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace switchboard::config {

struct problem {
  std::string key;      // dotted path, e.g. "server.listen"
  std::string source;   // "FILE:LINE", "--set", "env SWITCHBOARD_TURN_SECRET", ...
  std::string message;
};

struct load_result {
  std::optional<config> cfg;     // set when there are no problems
  std::vector<problem> problems;
  std::vector<std::string> notes;  // things worth logging (e.g. "ephemeral TURN secret generated")
};

struct load_options {
  std::string path;                          // empty = embedded defaults only
  std::vector<std::string> sets;             // --set dotted.key=value
  std::map<std::string, std::string> env;    // environment variables to consult
  // Source of random bytes for the development-profile ephemeral secret.
  std::function<std::string()> make_secret;
  // False for the TURN role (`switchboard turn`), which serves no signaling:
  // auth.mode is then not required by the production profile.
  bool signaling = true;
};

// Never throws: every failure, including YAML syntax errors, is a problem.
load_result load(const load_options& opts);

// "FILE:LINE: key: message" for each problem, one per line.
std::string format_problems(const std::vector<problem>& problems);

// The effective configuration as YAML with secrets and API keys masked.
std::string dump_masked(const config& cfg);

// Every key the loader accepts, in the order dump_masked writes them.
std::vector<std::string> known_keys();

// Each key with its value in `cfg` as one line of flow YAML ("30s", "[]",
// "[\"***\"]"), secrets masked: what docs/configuration.md lists as defaults.
std::vector<std::pair<std::string, std::string>> masked_values(const config& cfg);

// The environment variable holding TURN secrets, comma-separated.
inline constexpr const char* turn_secret_env = "SWITCHBOARD_TURN_SECRET";
// The environment variable holding the whole JWKS document (auth.jwks).
inline constexpr const char* auth_jwks_env = "SWITCHBOARD_AUTH_JWKS";
// The environment variable holding the Redis password (cluster_config::redis_password);
// cluster.redis.password_file wins over it, it wins over a password in cluster.redis.url.
inline constexpr const char* redis_password_env = "SWITCHBOARD_REDIS_PASSWORD";

}  // namespace switchboard::config
