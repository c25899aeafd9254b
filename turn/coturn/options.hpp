#pragma once
// What Switchboard tells the managed coturn: a plain struct the integrator
// fills from turn.* / turn.managed.* and render_coturn_config() turns into a
// turnserver.conf. Every field has a default; validate() says what is wrong.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::turn {

// production: everything hardened. development: production plus the short,
// explicit list in development_differences() (loopback peers allowed).
enum class coturn_profile { production, development };

std::string_view to_string(coturn_profile p) noexcept;
std::optional<coturn_profile> parse_coturn_profile(std::string_view s) noexcept;

struct coturn_options {
  coturn_profile profile = coturn_profile::production;  // turn.managed.profile
  std::vector<std::string> secrets;          // turn.secrets: one static-auth-secret= each, newest first
  std::string realm = "switchboard";         // turn.realm: REALM attribute, part of the HMAC key
  std::string listen_ip = "127.0.0.1";       // turn.managed.listen (ip part): listening-ip
  std::uint16_t listen_port = 3478;          // turn.managed.listen (port part): UDP and TCP
  std::uint16_t tls_listen_port = 5349;      // turn.managed.tls.port: only used with a certificate
  std::string relay_ip = "127.0.0.1";        // turn.managed.relay_ip: local address relays bind to
  std::string external_ip;                   // turn.managed.external_ip: "PUBLIC" or "PUBLIC/PRIVATE"; empty = none
  std::uint16_t min_port = 49152;            // turn.managed.relay_ports (min): first relay port
  std::uint16_t max_port = 65535;            // turn.managed.relay_ports (max): last relay port
  std::string tls_cert;                      // turn.managed.tls.cert: absolute PEM path; empty = no TLS
  std::string tls_key;                       // turn.managed.tls.key: absolute PEM path; set with tls_cert
  std::uint32_t user_quota = 10;             // turn.managed.user_quota: concurrent allocations per username
  std::uint32_t total_quota = 1000;          // turn.managed.total_quota: concurrent allocations in all
  std::uint64_t max_bps = 0;                 // turn.managed.max_bps: bytes/s per session; 0 = not rendered
  std::uint32_t stale_nonce_s = 600;         // nonce lifetime in seconds (stale-nonce=)
  std::string pidfile;                       // absolute path for pidfile=; empty = coturn's default
};

}  // namespace switchboard::turn
