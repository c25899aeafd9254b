#pragma once
// Every Prometheus series the signaling service exports, created once on a
// registry and then updated lock-free from any thread. Names follow
// Prometheus conventions under the switchboard_ prefix; no label ever holds a
// peer ID, username or address. The core reports through
// core::signaling_events, which signaling_metrics implements.

#include "signaling/core/events.hpp"
#include "signaling/protocol/message.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>
#include <string_view>

namespace switchboard::metrics {

// Why a connection was refused before or during the WebSocket upgrade.
enum class reject_reason { max_connections, max_per_ip, origin, draining, bad_upgrade, handshake_timeout, tls };
// Why the server closed a connection that broke a usage policy (1008).
enum class policy_close { control_flood, slow_message };
// Malformed HTTP requests on the public port, answered before the close.
enum class http_error { bad_request, headers_too_large, body_too_large, timeout };
// accept() failures, by errno.
enum class accept_error { emfile, enfile, other };
enum class reload_result { ok, failed };

inline constexpr std::size_t n_actions = 6;
inline constexpr std::size_t n_errors = 11;
inline constexpr std::size_t n_reject = 7;
inline constexpr std::size_t n_undeliverable = 5;
inline constexpr std::size_t n_resume = 4;
inline constexpr std::size_t n_refusal = 3;
inline constexpr std::size_t n_policy = 2;
inline constexpr std::size_t n_http_error = 4;
inline constexpr std::size_t n_accept_error = 3;
inline constexpr std::size_t n_reload = 2;

std::string_view to_string(reject_reason r) noexcept;
// The core's reasons (core/events.hpp) label series too.
std::string_view to_string(core::undeliverable_reason r) noexcept;
std::string_view to_string(core::resume_result r) noexcept;
std::string_view to_string(core::peer_refusal r) noexcept;
std::string_view to_string(policy_close r) noexcept;
std::string_view to_string(http_error r) noexcept;
std::string_view to_string(accept_error r) noexcept;
std::string_view to_string(reload_result r) noexcept;

// Labels of switchboard_auth_failures_total{reason}: the verifier's reasons
// (signaling/auth: auth::to_string(failure)), then the gate's own; any other
// name is counted as "other".
inline constexpr std::array<std::string_view, 20> auth_failure_reasons{
    "oversize",      "malformed",     "bad_header",       "unsupported_alg", "alg_mismatch",
    "kid_required",  "unknown_key",   "bad_signature",    "bad_claims",      "missing_claim",
    "expired",       "not_yet_valid", "issued_in_future", "wrong_audience",  "wrong_issuer",
    "lifetime_too_long", "missing_token", "throttled",    "no_keys",         "other"};

class signaling_metrics final : public core::signaling_events {
public:
  explicit signaling_metrics(prometheus::Registry& registry);

  // core::signaling_events: each one updates the series named below (core_events.cpp).
  void message_received(std::size_t bytes) override;
  void error_replied(protocol::error_code code) override;
  void message_relayed(protocol::action act) override;
  void message_undelivered(core::undeliverable_reason why) override;
  void credentials_minted() override;
  void peer_refused(core::peer_refusal why) override;
  void resume_attempted(core::resume_result result) override;
  void peer_detached() override;
  void detached_peer_gone() override;
  void peer_evicted() override;
  void peer_left() override;
  void peer_count(std::size_t n) override;
  void client_address_count(std::size_t n) override;
  void queued_bytes_total(std::size_t bytes) override;
  void auth_succeeded() override;
  void auth_failed(std::string_view reason) override;

  prometheus::Gauge& connections;            // switchboard_connections
  prometheus::Counter& connections_accepted; // switchboard_connections_accepted_total
  prometheus::Gauge& peers;                  // switchboard_peers (started, incl. detached)
  prometheus::Gauge& peers_detached;         // switchboard_peers_detached
  prometheus::Counter& bytes_in;             // switchboard_websocket_received_bytes_total
  prometheus::Counter& bytes_out;            // switchboard_websocket_sent_bytes_total
  prometheus::Counter& messages_out;         // switchboard_websocket_sent_messages_total
  prometheus::Counter& writes;               // switchboard_websocket_writes_total (gather writes)
  prometheus::Counter& messages_in;          // switchboard_messages_received_total
  prometheus::Counter& slow_consumers;       // switchboard_slow_consumers_closed_total
  prometheus::Counter& credentials_issued;   // switchboard_turn_credentials_issued_total
  prometheus::Counter& peers_left;           // switchboard_peers_left_total
  prometheus::Histogram& relay_latency;      // switchboard_relay_latency_seconds
  prometheus::Counter& http_requests;        // switchboard_http_requests_total
  prometheus::Counter& peers_evicted;        // switchboard_peers_evicted_total (peers.max_detached)
  prometheus::Counter& log_suppressed;       // switchboard_log_messages_suppressed_total
  prometheus::Gauge& queued_bytes;           // switchboard_peers_queued_bytes (all detached peers)
  prometheus::Gauge& client_addresses;       // switchboard_client_addresses (per-address table)
  prometheus::Counter& auth_successes;       // switchboard_auth_successes_total
  prometheus::Counter& hello_timeouts;       // switchboard_auth_hello_timeouts_total (close 4002)
  prometheus::Gauge& jwks_keys;              // switchboard_auth_jwks_keys (keys loaded)

  prometheus::Counter& rejected(reject_reason r) { return *rejected_[static_cast<std::size_t>(r)]; }
  // Only offer/answer/iceCandidate/hangup are exported.
  prometheus::Counter& relayed(protocol::action a) { return *relayed_[static_cast<std::size_t>(a)]; }
  prometheus::Counter& error_sent(protocol::error_code c) { return *errors_[static_cast<std::size_t>(c)]; }
  prometheus::Counter& undeliverable(core::undeliverable_reason r) {
    return *undeliverable_[static_cast<std::size_t>(r)];
  }
  prometheus::Counter& resumes(core::resume_result r) { return *resumes_[static_cast<std::size_t>(r)]; }
  prometheus::Counter& peers_refused(core::peer_refusal r) { return *refused_[static_cast<std::size_t>(r)]; }
  prometheus::Counter& policy_closes(policy_close r) { return *policy_[static_cast<std::size_t>(r)]; }
  prometheus::Counter& http_errors(http_error r) { return *http_errors_[static_cast<std::size_t>(r)]; }
  prometheus::Counter& accept_errors(accept_error r) { return *accept_errors_[static_cast<std::size_t>(r)]; }
  prometheus::Counter& reloads(reload_result r) { return *reloads_[static_cast<std::size_t>(r)]; }
  // switchboard_auth_failures_total{reason}
  prometheus::Counter& auth_failures(std::string_view reason);
  // switchboard_auth_jwks_reloads_total{result}
  prometheus::Counter& jwks_reloads(reload_result r) { return *jwks_reloads_[static_cast<std::size_t>(r)]; }

private:
  void add_hardening_families(prometheus::Registry& r);
  void add_auth_families(prometheus::Registry& r);

  prometheus::Counter not_relayed_;  // sink for start/iceServers: never exported
  std::array<prometheus::Counter*, n_reject> rejected_{};
  std::array<prometheus::Counter*, n_actions> relayed_{};
  std::array<prometheus::Counter*, n_errors> errors_{};
  std::array<prometheus::Counter*, n_undeliverable> undeliverable_{};
  std::array<prometheus::Counter*, n_resume> resumes_{};
  std::array<prometheus::Counter*, n_refusal> refused_{};
  std::array<prometheus::Counter*, n_policy> policy_{};
  std::array<prometheus::Counter*, n_http_error> http_errors_{};
  std::array<prometheus::Counter*, n_accept_error> accept_errors_{};
  std::array<prometheus::Counter*, n_reload> reloads_{};
  std::array<prometheus::Counter*, auth_failure_reasons.size()> auth_failures_{};
  std::array<prometheus::Counter*, n_reload> jwks_reloads_{};
};

// switchboard_build_info{version=...} 1
void add_build_info(prometheus::Registry& registry, std::string_view version);

}  // namespace switchboard::metrics
