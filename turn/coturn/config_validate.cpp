#include "turn/coturn/config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <string>

namespace switchboard::turn {
namespace {

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// coturn trims blanks around a value and strips surrounding double quotes
// (checked against 4.6.1): such a secret would not be the one Switchboard signs with.
bool altered_by_coturn(std::string_view s) {
  if (s.empty()) return false;
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  return blank(s.front()) || blank(s.back()) || s.front() == '"' || s.back() == '"';
}

void check_text(std::vector<std::string>& out, std::string_view key, std::string_view value) {
  if (has_control(value)) {
    out.push_back(std::string(key) + " must not contain newlines or control characters");
  } else if (altered_by_coturn(value)) {
    out.push_back(std::string(key) + " must not start or end with blanks or double quotes");
  }
}

bool is_ipv4(const std::string& s) {
  in_addr a{};
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool is_ip(const std::string& s) {
  in6_addr a{};
  return is_ipv4(s) || inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

bool is_loopback(const std::string& s) {
  in_addr a4{};
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  in6_addr a6{};
  return inet_pton(AF_INET6, s.c_str(), &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

void check_ip(std::vector<std::string>& out, std::string_view key, const std::string& value) {
  if (!has_control(value) && is_ip(value)) return;
  out.push_back(std::string(key) + " must be an IP address, got \"" +
                (has_control(value) ? std::string("<control characters>") : value) + "\"");
}

void check_path(std::vector<std::string>& out, std::string_view key, const std::string& value) {
  check_text(out, key, value);
  // coturn looks relative paths up in several directories of its own.
  if (!value.empty() && value.front() != '/') out.push_back(std::string(key) + " must be an absolute path");
}

void check_external_ip(std::vector<std::string>& out, const std::string& value) {
  if (value.empty()) return;
  auto slash = value.find('/');
  bool ok = slash == std::string::npos
                ? is_ip(value)
                : is_ip(value.substr(0, slash)) && is_ip(value.substr(slash + 1));
  if (!ok || has_control(value)) {
    out.push_back("turn.managed.external_ip must be \"PUBLIC\" or \"PUBLIC/PRIVATE\" IP addresses");
  }
}

void check_credentials(std::vector<std::string>& out, const coturn_options& o) {
  if (o.secrets.empty()) out.push_back("turn.secrets must list at least one secret");
  for (std::size_t i = 0; i < o.secrets.size(); ++i) {
    std::string key = "turn.secrets[" + std::to_string(i) + "]";
    if (o.secrets[i].empty()) out.push_back(key + " must not be empty");
    check_text(out, key, o.secrets[i]);
  }
  if (o.realm.empty()) out.push_back("turn.realm must not be empty");
  check_text(out, "turn.realm", o.realm);
}

void check_ports(std::vector<std::string>& out, const coturn_options& o, bool tls) {
  if (o.listen_port == 0) out.push_back("turn.managed.listen needs a port other than 0");
  if (o.min_port == 0 || o.min_port > o.max_port) {
    out.push_back("turn.managed.relay_ports must be \"min-max\" with 0 < min <= max");
  }
  auto in_relay_range = [&](std::uint16_t p) { return p >= o.min_port && p <= o.max_port; };
  if (in_relay_range(o.listen_port)) out.push_back("turn.managed.listen port lies inside turn.managed.relay_ports");
  if (!tls) return;
  if (o.tls_listen_port == 0 || o.tls_listen_port == o.listen_port) {
    out.push_back("turn.managed.tls.port must be non-zero and differ from the listening port");
  }
  if (in_relay_range(o.tls_listen_port)) out.push_back("turn.managed.tls.port lies inside turn.managed.relay_ports");
}

void check_limits(std::vector<std::string>& out, const coturn_options& o) {
  // 0 means "unlimited" to coturn: never what a public relay wants.
  if (o.user_quota == 0) out.push_back("turn.managed.user_quota must be at least 1");
  if (o.total_quota == 0) out.push_back("turn.managed.total_quota must be at least 1");
  if (o.user_quota > o.total_quota) out.push_back("turn.managed.user_quota must not exceed turn.managed.total_quota");
  if (o.stale_nonce_s == 0) out.push_back("the nonce lifetime must be at least 1 second");
}

}  // namespace

std::vector<std::string> validate(const coturn_options& o) {
  std::vector<std::string> out;
  check_credentials(out, o);
  check_ip(out, "turn.managed.listen", o.listen_ip);
  check_ip(out, "turn.managed.relay_ip", o.relay_ip);
  check_external_ip(out, o.external_ip);
  // allow-loopback-peers on a reachable listener would let anyone relay into the host.
  if (o.profile == coturn_profile::development && is_ip(o.listen_ip) && !is_loopback(o.listen_ip)) {
    out.push_back("the development profile listens on loopback only; turn.managed.listen must be 127.x or ::1");
  }
  bool tls = !o.tls_cert.empty() || !o.tls_key.empty();
  if (tls && (o.tls_cert.empty() || o.tls_key.empty())) {
    out.push_back("turn.managed.tls.cert and turn.managed.tls.key must be set together");
  }
  check_path(out, "turn.managed.tls.cert", o.tls_cert);
  check_path(out, "turn.managed.tls.key", o.tls_key);
  check_path(out, "the coturn pidfile", o.pidfile);
  check_ports(out, o, tls);
  check_limits(out, o);
  return out;
}

}  // namespace switchboard::turn
