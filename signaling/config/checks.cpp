#include "signaling/config/checks.hpp"

#include "signaling/config/readers.hpp"
#include "signaling/config/scalars.hpp"
#include "turn/credentials/credentials.hpp"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace switchboard::config::detail {
namespace {

class checker {
 public:
  checker(conversion& conv, const document& doc, std::vector<problem>& problems,
          std::vector<std::string>& notes)
      : cfg_(conv.cfg), sources_(conv.sources), doc_(doc), problems_(problems), notes_(notes) {}

  void tls() {
    const bool cert = !cfg_.server.tls.cert.empty();
    const bool key = !cfg_.server.tls.key.empty();
    if (cert != key) {
      const auto* set = cert ? "server.tls.cert" : "server.tls.key";
      add("server.tls", source(set),
          std::string("cert and key must be set together; only ") + set + " is set");
    }
  }

  void managed_turn() {
    const auto& m = cfg_.turn.managed;
    if (m.tls.cert.empty() != m.tls.key.empty()) {
      add("turn.managed.tls", source(m.tls.cert.empty() ? "turn.managed.tls.key" : "turn.managed.tls.cert"),
          "cert and key must be set together");
    }
    if (!m.enabled) return;
    const bool wildcard = m.listen.host == "0.0.0.0" || m.listen.host == "::";
    if (wildcard && m.relay_ip.empty()) {
      add("turn.managed.relay_ip", source("turn.managed.listen"),
          "must be set when turn.managed.listen is a wildcard address (the address relays bind to)");
    }
    if (!cfg_.turn.uris.empty()) return;
    std::string why_not;
    cfg_.turn.uris = derive_turn_uris(cfg_, &why_not);
    if (cfg_.turn.uris.empty()) {
      add("turn.uris", source("turn.uris"), "cannot derive TURN URIs for clients: " + why_not +
                                                 "; set turn.uris or turn.managed.external_ip");
    }
  }

  void ttl() {
    const auto clamped = turn::clamp_ttl(cfg_.turn.ttl);
    if (clamped != cfg_.turn.ttl) {
      notes_.push_back("turn.ttl: " + format_duration(cfg_.turn.ttl) + " is outside [" +
                       format_duration(turn::min_ttl) + ", " + format_duration(turn::max_ttl) +
                       "]; using " + format_duration(clamped));
      cfg_.turn.ttl = clamped;
    }
  }

  void auth() {
    auto& a = cfg_.auth;
    if (!a.jwks_file.empty() && !a.jwks.empty()) {
      add("auth.jwks", source("auth.jwks"), "set either auth.jwks_file or auth.jwks (SWITCHBOARD_AUTH_JWKS), not both");
    }
    if (a.mode == auth_mode::jwt && a.jwks_file.empty() && a.jwks.empty()) {
      add("auth.jwks_file", source("auth.mode"),
          "auth.mode is jwt but no keys are configured: set auth.jwks_file or SWITCHBOARD_AUTH_JWKS");
    }
  }

  void secret_file() {
    const auto& path = cfg_.turn.secret_file;
    if (path.empty() || !secret_file_usable(path)) {
      return;
    }
    std::ifstream in(path);
    if (!in) {
      add("turn.secret_file", source("turn.secret_file"),
          "cannot read " + path + ": " + std::strerror(errno));
      return;
    }
    const auto before = cfg_.turn.secrets.size();
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      read_secret_line(path, number, line);
    }
    if (cfg_.turn.secrets.size() == before) {
      add("turn.secret_file", source("turn.secret_file"), "no secrets in " + path);
    }
  }

  void production(bool signaling) {
    if (!signaling) {
      // The TURN role hands out no peer IDs: auth.* does not apply.
    } else if (cfg_.auth.mode == auth_mode::unset) {
      add("auth.mode", source("auth.mode"),
          "must be set in the production profile: jwt (tokens from your backend), or none to let anyone "
          "who reaches the WebSocket have a peer ID and TURN credentials");
    } else if (cfg_.auth.mode == auth_mode::none) {
      notes_.push_back(
          "auth.mode is none: anyone who can reach the WebSocket gets a peer ID and TURN credentials "
          "(see docs/auth.md)");
    }
    if (cfg_.turn.secrets.empty() && cfg_.turn.secret_file.empty()) {
      add("turn.secrets", source("turn.secrets"),
          "no TURN secret configured: set turn.secrets, turn.secret_file or " +
              std::string(turn_secret_env) + " (required by the production profile)");
    }
    if (cfg_.server.allowed_origins.empty()) {
      add("server.allowed_origins", source("server.allowed_origins"),
          "must not be empty in the production profile (list origins, or \"*\" for any)");
    }
    if (cfg_.turn.rest_api && cfg_.turn.api_keys.empty() && cfg_.auth.mode != auth_mode::jwt) {
      add("turn.api_keys", source("turn.rest_api"),
          "turn.rest_api is enabled but no API keys are set (required by the production "
          "profile unless auth.mode is jwt)");
    }
  }

  void cluster(const load_options& opts) {
    check_cluster(cfg_, opts, [this](const std::string& key) { return source(key); }, problems_, notes_);
  }

  void development(const load_options& opts) {
    if (cfg_.auth.mode == auth_mode::unset) cfg_.auth.mode = auth_mode::none;
    if (!cfg_.turn.secrets.empty() || !cfg_.turn.secret_file.empty()) {
      return;  // a configured-but-broken secret file is already a problem
    }
    auto secret = opts.make_secret ? opts.make_secret() : random_secret();
    if (secret.empty()) {
      add("turn.secrets", source("turn.secrets"), "could not generate an ephemeral secret");
      return;
    }
    cfg_.turn.secrets.push_back(std::move(secret));
    cfg_.ephemeral_secret = true;
    notes_.push_back(
        "no TURN secret configured: generated an ephemeral one (development profile); "
        "credentials will not survive a restart");
  }

 private:
  bool secret_file_usable(const std::string& path) {
    if (auto why = secret_file_missing(path)) {
      add("turn.secret_file", source("turn.secret_file"), *why);
      return false;
    }
    if (cfg_.prof == profile::production) {
      if (auto why = secret_file_too_open(path)) add("turn.secret_file", source("turn.secret_file"), *why);
    }
    return true;
  }

  void read_secret_line(const std::string& path, int number, const std::string& line) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') {
      return;
    }
    const auto last = line.find_last_not_of(" \t\r");
    auto secret = line.substr(first, last - first + 1);
    if (auto complaint = check_secret(secret)) {
      add("turn.secret_file", path + ":" + std::to_string(number), "secret " + *complaint);
      return;
    }
    cfg_.turn.secrets.push_back(std::move(secret));
  }

  std::string source(const std::string& key) const {
    const auto found = sources_.find(key);
    return found != sources_.end() ? found->second : doc_.fallback_source();
  }

  void add(std::string key, std::string where, std::string message) {
    problems_.push_back({std::move(key), std::move(where), std::move(message)});
  }

  config& cfg_;
  const std::map<std::string, std::string, std::less<>>& sources_;
  const document& doc_;
  std::vector<problem>& problems_;
  std::vector<std::string>& notes_;
};

}  // namespace

void check_config(conversion& conv, const document& doc, const load_options& opts,
                  std::vector<problem>& problems, std::vector<std::string>& notes) {
  checker check(conv, doc, problems, notes);
  check.tls();
  check.managed_turn();
  check.ttl();
  check.secret_file();
  check.cluster(opts);
  if (opts.signaling) check.auth();  // the TURN role hands out no peer IDs
  // Without a readable file or a valid profile the profile rules would only
  // add noise about settings the user may well have made.
  const bool profile_known = doc.file_ok() && std::none_of(problems.begin(), problems.end(),
                                                           [](const problem& p) {
                                                             return p.key == "profile";
                                                           });
  if (!profile_known) {
    return;
  }
  if (conv.cfg.prof == profile::production) {
    check.production(opts.signaling);
  } else {
    check.development(opts);
  }
}

std::optional<std::string> secret_file_missing(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return "cannot read " + path + ": " + std::strerror(errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return path + " is not a regular file";
  }
  return std::nullopt;
}

std::optional<std::string> secret_file_too_open(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) {
    return std::nullopt;
  }
  std::array<char, 8> mode{};
  std::snprintf(mode.data(), mode.size(), "%04o", st.st_mode & 07777);
  return path + " is accessible by group or others (mode " + mode.data() + "); chmod 600 it";
}

std::string random_secret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return {};
  }
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t bits = 0;
  int pending = 0;
  for (const unsigned char byte : bytes) {
    bits = (bits << 8) | byte;
    pending += 8;
    while (pending >= 6) {
      pending -= 6;
      out += alphabet[(bits >> pending) & 0x3f];
    }
  }
  if (pending > 0) {
    out += alphabet[(bits << (6 - pending)) & 0x3f];
  }
  return out;
}

}  // namespace switchboard::config::detail
