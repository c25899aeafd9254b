#include "signaling/metrics/metrics.hpp"

#include <string>

namespace switchboard::metrics {
namespace {

prometheus::Counter& counter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}

prometheus::Gauge& gauge(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

// Fills `out` with one series per enum value, labelled `label`=to_string(value).
template <typename Enum, std::size_t N, typename Name>
void labelled(prometheus::Family<prometheus::Counter>& family, const char* label,
              std::array<prometheus::Counter*, N>& out, Name name_of) {
  for (std::size_t i = 0; i < N; ++i) {
    out[i] = &family.Add({{label, std::string(name_of(static_cast<Enum>(i)))}});
  }
}

prometheus::Histogram::BucketBoundaries latency_buckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0};
}

}  // namespace

std::string_view to_string(reject_reason r) noexcept {
  switch (r) {
    case reject_reason::max_connections: return "max_connections";
    case reject_reason::max_per_ip: return "max_connections_per_ip";
    case reject_reason::origin: return "origin";
    case reject_reason::draining: return "draining";
    case reject_reason::bad_upgrade: return "bad_upgrade";
    case reject_reason::handshake_timeout: return "handshake_timeout";
    case reject_reason::tls: return "tls";
  }
  return "unknown";
}

std::string_view to_string(core::undeliverable_reason r) noexcept {
  using core::undeliverable_reason;
  switch (r) {
    case undeliverable_reason::peer_not_found: return "peer_not_found";
    case undeliverable_reason::queue_full: return "queue_full";
    case undeliverable_reason::expired: return "expired";
    case undeliverable_reason::slow_consumer: return "slow_consumer";
    case undeliverable_reason::connection_closed: return "connection_closed";
  }
  return "unknown";
}

std::string_view to_string(core::resume_result r) noexcept {
  using core::resume_result;
  switch (r) {
    case resume_result::ok: return "ok";
    case resume_result::unknown_peer: return "unknown_peer";
    case resume_result::bad_token: return "bad_token";
    case resume_result::expired: return "expired";
  }
  return "unknown";
}

std::string_view to_string(core::peer_refusal r) noexcept {
  using core::peer_refusal;
  switch (r) {
    case peer_refusal::max_per_address: return "max_per_address";
    case peer_refusal::id_rate: return "id_rate";
    case peer_refusal::max_per_identity: return "max_per_identity";
  }
  return "unknown";
}

std::string_view to_string(policy_close r) noexcept {
  switch (r) {
    case policy_close::control_flood: return "control_flood";
    case policy_close::slow_message: return "slow_message";
  }
  return "unknown";
}

std::string_view to_string(http_error r) noexcept {
  switch (r) {
    case http_error::bad_request: return "bad_request";
    case http_error::headers_too_large: return "headers_too_large";
    case http_error::body_too_large: return "body_too_large";
    case http_error::timeout: return "timeout";
  }
  return "unknown";
}

std::string_view to_string(accept_error r) noexcept {
  switch (r) {
    case accept_error::emfile: return "emfile";
    case accept_error::enfile: return "enfile";
    case accept_error::other: return "other";
  }
  return "unknown";
}

std::string_view to_string(reload_result r) noexcept {
  switch (r) {
    case reload_result::ok: return "ok";
    case reload_result::failed: return "failed";
  }
  return "unknown";
}

signaling_metrics::signaling_metrics(prometheus::Registry& r)
    : connections(gauge(r, "switchboard_connections", "Open WebSocket connections.")),
      connections_accepted(counter(r, "switchboard_connections_accepted_total",
                                   "WebSocket connections accepted.")),
      peers(gauge(r, "switchboard_peers", "Peers holding an ID, connected or awaiting resume.")),
      peers_detached(gauge(r, "switchboard_peers_detached",
                           "Peers whose connection dropped, kept for resume.")),
      bytes_in(counter(r, "switchboard_websocket_received_bytes_total",
                       "WebSocket message payload bytes received.")),
      bytes_out(counter(r, "switchboard_websocket_sent_bytes_total",
                        "WebSocket message payload bytes sent.")),
      messages_out(counter(r, "switchboard_websocket_sent_messages_total",
                           "WebSocket messages written whole (not control frames).")),
      writes(counter(r, "switchboard_websocket_writes_total",
                     "Gather writes to WebSocket sockets (plain TCP: one sendmsg() each).")),
      messages_in(counter(r, "switchboard_messages_received_total",
                          "WebSocket messages received, valid or not.")),
      slow_consumers(counter(r, "switchboard_slow_consumers_closed_total",
                             "Connections closed because their outbound queue was full.")),
      credentials_issued(counter(r, "switchboard_turn_credentials_issued_total",
                                 "TURN credentials minted (start, iceServers, REST API).")),
      peers_left(counter(r, "switchboard_peers_left_total",
                         "Peers that left for good (goodbye, hangup of the socket or grace expired).")),
      relay_latency(prometheus::BuildHistogram()
                        .Name("switchboard_relay_latency_seconds")
                        .Help("Time from reading a relayed message to writing it to its target.")
                        .Register(r)
                        .Add({}, latency_buckets())),
      http_requests(counter(r, "switchboard_http_requests_total", "HTTP requests served.")),
      peers_evicted(counter(r, "switchboard_peers_evicted_total",
                            "Detached peers released early because peers.max_detached was reached.")),
      log_suppressed(counter(r, "switchboard_log_messages_suppressed_total",
                             "Repeated log lines left out by the log rate limit.")),
      queued_bytes(gauge(r, "switchboard_peers_queued_bytes",
                         "Bytes of messages kept for detached peers, all together.")),
      client_addresses(gauge(r, "switchboard_client_addresses",
                             "Client addresses tracked for the per-address peer limits.")),
      auth_successes(counter(r, "switchboard_auth_successes_total",
                             "Starts whose token verified (auth.mode jwt).")),
      hello_timeouts(counter(r, "switchboard_auth_hello_timeouts_total",
                             "Connections closed with 4002: no start within auth.hello_timeout.")),
      jwks_keys(gauge(r, "switchboard_auth_jwks_keys", "Keys in the JWKS in use (auth.mode jwt).")) {
  auto& rejected = prometheus::BuildCounter()
                       .Name("switchboard_connections_rejected_total")
                       .Help("Connections refused, by reason.")
                       .Register(r);
  labelled<reject_reason>(rejected, "reason", rejected_, [](reject_reason v) { return to_string(v); });
  auto& relayed = prometheus::BuildCounter()
                      .Name("switchboard_messages_relayed_total")
                      .Help("Messages forwarded to their target, by type.")
                      .Register(r);
  for (std::size_t i = 0; i < n_actions; ++i) {
    const auto a = static_cast<protocol::action>(i);
    relayed_[i] = protocol::is_relayed(a) ? &relayed.Add({{"type", std::string(protocol::to_string(a))}})
                                          : &not_relayed_;
  }
  auto& errors = prometheus::BuildCounter()
                     .Name("switchboard_errors_sent_total")
                     .Help("Error replies sent to clients, by code.")
                     .Register(r);
  labelled<protocol::error_code>(errors, "code", errors_, [](protocol::error_code v) { return protocol::to_string(v); });
  auto& undeliverable = prometheus::BuildCounter()
                            .Name("switchboard_messages_undeliverable_total")
                            .Help("Relayed messages that did not reach their target, by reason.")
                            .Register(r);
  labelled<core::undeliverable_reason>(undeliverable, "reason", undeliverable_,
                                       [](core::undeliverable_reason v) { return to_string(v); });
  auto& resumes = prometheus::BuildCounter()
                      .Name("switchboard_resumes_total")
                      .Help("Resume attempts, by result.")
                      .Register(r);
  labelled<core::resume_result>(resumes, "result", resumes_, [](core::resume_result v) { return to_string(v); });
  add_hardening_families(r);
  add_auth_families(r);
}

void signaling_metrics::add_auth_families(prometheus::Registry& r) {
  auto& failures = prometheus::BuildCounter()
                       .Name("switchboard_auth_failures_total")
                       .Help("Starts refused for want of a valid token, by reason (auth.mode jwt).")
                       .Register(r);
  for (std::size_t i = 0; i < auth_failure_reasons.size(); ++i) {
    auth_failures_[i] = &failures.Add({{"reason", std::string(auth_failure_reasons[i])}});
  }
  labelled<reload_result>(prometheus::BuildCounter()
                              .Name("switchboard_auth_jwks_reloads_total")
                              .Help("JWKS reloads (SIGHUP or file change), by result.")
                              .Register(r),
                          "result", jwks_reloads_, [](reload_result v) { return to_string(v); });
}

prometheus::Counter& signaling_metrics::auth_failures(std::string_view reason) {
  for (std::size_t i = 0; i + 1 < auth_failure_reasons.size(); ++i) {
    if (auth_failure_reasons[i] == reason) return *auth_failures_[i];
  }
  return *auth_failures_.back();
}

void signaling_metrics::add_hardening_families(prometheus::Registry& r) {
  const auto family = [&r](const char* name, const char* help) -> prometheus::Family<prometheus::Counter>& {
    return prometheus::BuildCounter().Name(name).Help(help).Register(r);
  };
  labelled<core::peer_refusal>(family("switchboard_peers_refused_total", "Starts refused a new peer ID, by reason."),
                               "reason", refused_, [](core::peer_refusal v) { return to_string(v); });
  labelled<policy_close>(family("switchboard_policy_closes_total",
                                "Connections closed with 1008 for breaking a usage policy, by reason."),
                         "reason", policy_, [](policy_close v) { return to_string(v); });
  labelled<http_error>(family("switchboard_http_errors_total",
                              "Malformed or timed-out HTTP requests on the public port, by reason."),
                       "reason", http_errors_, [](http_error v) { return to_string(v); });
  labelled<accept_error>(family("switchboard_accept_errors_total", "Failed accept() calls, by reason."), "reason",
                         accept_errors_, [](accept_error v) { return to_string(v); });
  labelled<reload_result>(family("switchboard_reloads_total", "SIGHUP reloads, by result."), "result", reloads_,
                          [](reload_result v) { return to_string(v); });
}

void add_build_info(prometheus::Registry& registry, std::string_view version) {
  prometheus::BuildGauge()
      .Name("switchboard_build_info")
      .Help("Build information; the value is always 1.")
      .Register(registry)
      .Add({{"version", std::string(version)}})
      .Set(1);
}

}  // namespace switchboard::metrics
