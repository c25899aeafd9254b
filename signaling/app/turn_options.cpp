#include "signaling/app/turn_options.hpp"

#include "signaling/config/scalars.hpp"

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchboard::app {
namespace {

std::uint16_t to_port(std::string_view text) {
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return static_cast<std::uint16_t>(value);
}

}  // namespace

turn::coturn_options coturn_options_from(const config::config& cfg) {
  const auto& m = cfg.turn.managed;
  turn::coturn_options o;
  const auto profile_name =
      !m.profile.empty() ? m.profile : (cfg.prof == config::profile::development ? "development" : "production");
  o.profile = turn::parse_coturn_profile(profile_name).value_or(turn::coturn_profile::production);
  o.secrets = cfg.turn.secrets;
  o.realm = cfg.turn.realm;
  o.listen_ip = m.listen.host;
  o.listen_port = m.listen.port;
  o.tls_listen_port = m.tls.port;
  o.relay_ip = m.relay_ip.empty() ? m.listen.host : m.relay_ip;
  o.external_ip = m.external_ip;
  const auto dash = m.relay_ports.find('-');
  o.min_port = to_port(std::string_view(m.relay_ports).substr(0, dash));
  o.max_port = to_port(std::string_view(m.relay_ports).substr(dash + 1));
  o.tls_cert = m.tls.cert;
  o.tls_key = m.tls.key;
  o.user_quota = static_cast<std::uint32_t>(m.user_quota);
  o.total_quota = static_cast<std::uint32_t>(m.total_quota);
  o.max_bps = m.max_bps;
  return o;
}

std::optional<turn::probe_options> probe_options_from(const config::config& cfg) {
  const auto& probe = cfg.turn.probe;
  if (probe.interval.count() == 0) return std::nullopt;
  turn::probe_options o;
  if (!probe.server.empty()) {
    // Validated by the loader, so it parses.
    const auto ep = config::parse_endpoint(probe.server).value_or(config::endpoint{});
    o.host = ep.host;
    o.port = ep.port;
  } else if (cfg.turn.managed.enabled) {
    const auto& listen = cfg.turn.managed.listen;
    o.host = listen.host == "0.0.0.0" ? "127.0.0.1" : listen.host == "::" ? "::1" : listen.host;
    o.port = listen.port;
  } else {
    return std::nullopt;
  }
  // The loader guarantees a secret (one is generated when none is configured).
  if (!cfg.turn.secrets.empty()) o.secret = cfg.turn.secrets.front();
  o.interval = probe.interval;
  o.timeout = probe.timeout;
  return o;
}

turn::managed_options managed_options_from(const config::config& cfg) {
  const auto& m = cfg.turn.managed;
  turn::managed_options o;
  o.managed = m.enabled;
  o.binary = m.binary;
  o.coturn = coturn_options_from(cfg);
  o.stop_timeout = m.stop_timeout;
  o.crash_loop_restarts = m.crash_loop_restarts;
  o.crash_loop_window = m.crash_loop_window;
  o.probe = probe_options_from(cfg);
  return o;
}

}  // namespace switchboard::app
