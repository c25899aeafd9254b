#pragma once
// `switchboard auth keygen|token|verify`: key generation, token minting for
// development, and verification for operators and interop tests. These run
// before (and without) any configuration.
//
// Exit codes: 0 success; 1 failure (for verify: the token was refused,
// with "switchboard: token refused: <reason>: <message>" on stderr);
// 2 verify could not run (unreadable JWKS, bad option value).

#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace switchboard::app {

struct auth_cli {
  CLI::App* auth = nullptr;
  CLI::App* keygen = nullptr;
  CLI::App* token = nullptr;
  CLI::App* verify = nullptr;

  struct keygen_args {
    std::string alg, kid, out, jwks;
    bool force = false;
  } keygen_opts;

  struct token_args {
    std::string key, kid, sub, room, ttl = "5m", aud = "switchboard", iss, nbf_in;
  } token_opts;

  struct verify_args {
    std::string jwks, aud = "switchboard", leeway = "60s", max_lifetime = "1h", token;
    std::vector<std::string> issuers;
  } verify_opts;
};

// Adds `auth` with subcommands keygen, token and verify to `app`; the holder
// receives the option values and must outlive parsing.
std::unique_ptr<auth_cli> add_auth_commands(CLI::App& app);

// True when `auth ...` was given on the command line.
bool auth_selected(const auth_cli& cli);

// Runs the selected subcommand; the exit code. Errors go to stderr.
int run_auth(const auth_cli& cli);

}  // namespace switchboard::app
