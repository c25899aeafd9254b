#include "turn/coturn/config.hpp"

#include "turn/coturn/deny_list.hpp"

#include <array>
#include <string>
#include <type_traits>

namespace switchboard::turn {
namespace {

constexpr std::array hardening{
    hardening_line{"no-cli", "the telnet admin CLI can list sessions and change settings; nothing needs it"},
    hardening_line{"no-tcp-relay", "RFC 6062 TCP relays turn coturn into a TCP proxy; WebRTC only relays UDP"},
    hardening_line{"no-multicast-peers", "no relaying into multicast groups"},
    hardening_line{"no-rfc5780", "NAT behaviour discovery answers from other addresses: a reflection aid, unused by WebRTC"},
    hardening_line{"no-stun-backward-compatibility", "no RFC 3489 Binding handling (classic STUN reflection)"},
    hardening_line{"no-software-attribute", "do not advertise the coturn version to scanners"},
    hardening_line{"no-tlsv1", "TLS 1.0 is obsolete"},
    hardening_line{"no-tlsv1_1", "TLS 1.1 is obsolete"},
    hardening_line{"no-dtls", "browsers never speak DTLS to a TURN server; one listener less"},
    hardening_line{"secure-stun", "Binding requests need credentials: no anonymous reflector"},
    hardening_line{"stale-nonce=N", "nonces expire, so a captured one cannot be replayed for ever"},
    hardening_line{"user-quota=N", "one credential cannot hold every relay port"},
    hardening_line{"total-quota=N", "the host's ports and bandwidth have a ceiling"},
    hardening_line{"max-bps=N", "per-session bandwidth cap, rendered when turn.managed.max_bps > 0"},
};

constexpr std::array differences{
    profile_difference{"allow-loopback-peers", difference_kind::added,
                       "a browser on this machine offers 127.0.0.1 candidates; the relay must reach them"},
    profile_difference{"denied-peer-ip=127.0.0.0-127.255.255.255", difference_kind::removed,
                       "same reason: IPv4 loopback peers are the point of the development profile"},
    profile_difference{"denied-peer-ip=::1", difference_kind::removed,
                       "same reason for IPv6 loopback"},
};

class writer {
public:
  void comment(std::string_view text) { line("# " + std::string(text)); }
  void flag(std::string_view key) { line(std::string(key)); }
  template <typename T>
  void value(std::string_view key, const T& v) {
    if constexpr (std::is_arithmetic_v<T>) {
      line(std::string(key) + "=" + std::to_string(v));
    } else {
      line(std::string(key) + "=" + std::string(v));
    }
  }
  std::string take() { return std::move(out_); }

private:
  void line(const std::string& l) { out_ += l + "\n"; }
  std::string out_;
};

void credentials(writer& w, const coturn_options& o) {
  w.comment("TURN REST API credentials: username \"<expiry>:<peer>\", password HMAC-SHA1.");
  w.comment("The first secret signs new credentials; the others stay valid during rotation.");
  w.flag("use-auth-secret");
  for (const auto& s : o.secrets) w.value("static-auth-secret", s);
  w.value("realm", o.realm);
  w.flag("fingerprint");
}

void network(writer& w, const coturn_options& o) {
  w.comment("Listeners and relay addresses.");
  w.value("listening-ip", o.listen_ip);
  w.value("listening-port", o.listen_port);
  if (!o.tls_cert.empty()) {
    w.value("tls-listening-port", o.tls_listen_port);
    w.value("cert", o.tls_cert);
    w.value("pkey", o.tls_key);
  } else {
    w.flag("no-tls");
  }
  w.value("relay-ip", o.relay_ip);
  if (!o.external_ip.empty()) w.value("external-ip", o.external_ip);
  w.value("min-port", o.min_port);
  w.value("max-port", o.max_port);
}

void process(writer& w, const coturn_options& o) {
  w.comment("Switchboard reads coturn's verbose log on stdout for the relay metrics.");
  w.value("log-file", "stdout");
  w.flag("verbose");
  if (!o.pidfile.empty()) w.value("pidfile", o.pidfile);
}

void hardening_section(writer& w, const coturn_options& o) {
  w.comment("Hardening (docs/turn.md says why each line is here).");
  for (const auto& h : hardening) {
    if (h.key.find('=') == std::string_view::npos) w.flag(h.key);
  }
  w.value("stale-nonce", o.stale_nonce_s);
  w.value("user-quota", o.user_quota);
  w.value("total-quota", o.total_quota);
  if (o.max_bps > 0) w.value("max-bps", o.max_bps);
}

void peers(writer& w, const coturn_options& o) {
  bool dev = o.profile == coturn_profile::development;
  // No comment line here: development must differ by exactly development_differences().
  if (dev) w.flag("allow-loopback-peers");
  w.comment("Peers the relay must never reach: IANA special-purpose ranges, RFC 1918,");
  w.comment("and IPv4-mapped IPv6, which coturn 4.6.1 does not check itself (CVE-2026-27624).");
  for (const auto& r : special_purpose_ranges()) {
    if (dev && r.loopback) continue;
    w.value("denied-peer-ip", coturn_range(r));
  }
}

}  // namespace

std::span<const hardening_line> hardening_lines() noexcept { return hardening; }

std::span<const profile_difference> development_differences() noexcept { return differences; }

std::variant<std::string, render_error> render_coturn_config(const coturn_options& opts) {
  if (auto problems = validate(opts); !problems.empty()) return render_error{std::move(problems)};
  writer w;
  w.comment("Rendered by Switchboard from the turn.* settings; rewritten at every start.");
  credentials(w, opts);
  network(w, opts);
  process(w, opts);
  hardening_section(w, opts);
  peers(w, opts);
  return w.take();
}

}  // namespace switchboard::turn
