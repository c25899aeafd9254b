// Rules for the managed-coturn keys, and the TURN URIs derived from them.

#include "signaling/config/checks.hpp"
#include "signaling/config/readers.hpp"
#include "signaling/config/scalars.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace switchboard::config::detail {
namespace {

bool is_ip(const std::string& text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

std::optional<unsigned> port_number(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) return std::nullopt;
  return value;
}

std::string uri_host(const std::string& ip) { return ip.find(':') != std::string::npos ? "[" + ip + "]" : ip; }

// The address clients reach coturn at: the public side of external_ip, else
// the listen address when it is a concrete one.
std::optional<std::string> public_host(const managed_turn_config& m) {
  if (!m.external_ip.empty()) return m.external_ip.substr(0, m.external_ip.find('/'));
  if (m.listen.host != "0.0.0.0" && m.listen.host != "::") return m.listen.host;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_ip_or_empty(const std::string& text) {
  if (text.empty() || is_ip(text)) return std::nullopt;
  return "expected an IP address, got \"" + text + "\"";
}

std::optional<std::string> check_port_range(const std::string& text) {
  const auto dash = text.find('-');
  if (dash != std::string::npos) {
    const auto lo = port_number(std::string_view(text).substr(0, dash));
    const auto hi = port_number(std::string_view(text).substr(dash + 1));
    if (lo && hi && *lo <= *hi) return std::nullopt;
  }
  return "expected \"min-max\" with 1 <= min <= max <= 65535, got \"" + text + "\"";
}

std::optional<std::string> check_external_ip(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const auto slash = text.find('/');
  const bool ok = slash == std::string::npos ? is_ip(text)
                                             : is_ip(text.substr(0, slash)) && is_ip(text.substr(slash + 1));
  if (ok) return std::nullopt;
  return "expected PUBLIC or PUBLIC/PRIVATE IP addresses, got \"" + text + "\"";
}

std::optional<std::string> check_host_port_or_empty(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const auto ep = parse_endpoint(text);
  if (ep && ep->port != 0) return std::nullopt;
  return "expected host:port with a non-zero port, got \"" + text + "\"";
}

std::vector<std::string> derive_turn_uris(const config& cfg, std::string* why_not) {
  const auto& m = cfg.turn.managed;
  auto host = public_host(m);
  if (!host && cfg.prof == profile::development) host = "127.0.0.1";
  if (!host) {
    if (why_not) *why_not = "coturn listens on a wildcard address and turn.managed.external_ip is not set";
    return {};
  }
  const auto h = uri_host(*host);
  const auto port = std::to_string(m.listen.port);
  // No stun: URI: the managed coturn runs with secure-stun and answers
  // unauthenticated Binding requests with 401; browsers get their server-
  // reflexive address from the TURN Allocate response.
  std::vector<std::string> uris{"turn:" + h + ":" + port + "?transport=udp",
                                "turn:" + h + ":" + port + "?transport=tcp"};
  if (!m.tls.cert.empty()) uris.push_back("turns:" + h + ":" + std::to_string(m.tls.port) + "?transport=tcp");
  return uris;
}

}  // namespace switchboard::config::detail
