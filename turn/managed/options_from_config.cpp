#include "turn/managed/options_from_config.hpp"

#include "signaling/config/scalars.hpp"

#include <charconv>

namespace switchboard::turn {
namespace {

std::uint16_t to_port(std::string_view text) {
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return static_cast<std::uint16_t>(value);
}

}  // namespace

coturn_options coturn_options_from(const config::config& cfg, std::string pidfile) {
  const auto& m = cfg.turn.managed;
  coturn_options o;
  const auto profile_name =
      !m.profile.empty() ? m.profile : (cfg.prof == config::profile::development ? "development" : "production");
  o.profile = parse_coturn_profile(profile_name).value_or(coturn_profile::production);
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
  o.pidfile = std::move(pidfile);
  return o;
}

std::optional<stun::probe_target> probe_target_from(const config::config& cfg) {
  if (cfg.turn.probe.interval.count() == 0) return std::nullopt;
  if (!cfg.turn.probe.server.empty()) {
    // Validated by the loader, so it parses.
    const auto ep = config::parse_endpoint(cfg.turn.probe.server).value_or(config::endpoint{});
    return stun::probe_target{ep.host, ep.port};
  }
  if (!cfg.turn.managed.enabled) return std::nullopt;
  const auto& listen = cfg.turn.managed.listen;
  std::string host = listen.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  return stun::probe_target{host, listen.port};
}

}  // namespace switchboard::turn
