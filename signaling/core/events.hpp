#pragma once
// What the core reports as it works: counts and sizes, for whoever watches
// (signaling/metrics exports them to Prometheus; tests may record them). The
// core calls these under the hub's lock and on the hot path: one virtual
// call per event, no strings built, so an implementation must be cheap and
// must not call back into the hub.

#include "signaling/protocol/message.hpp"

#include <cstddef>
#include <string_view>

namespace switchboard::core {

// Why a relayed message did not reach its target (the network layer adds the
// last two).
enum class undeliverable_reason { peer_not_found, queue_full, expired, slow_consumer, connection_closed };
enum class resume_result { ok, unknown_peer, bad_token, expired };
// Why a start got no new peer ID (per-address and per-identity limits).
enum class peer_refusal { max_per_address, id_rate, max_per_identity };

class signaling_events {
public:
  virtual ~signaling_events() = default;

  // One inbound WebSocket message of `bytes`, counted before the rate limit.
  virtual void message_received(std::size_t bytes) = 0;
  virtual void error_replied(protocol::error_code code) = 0;
  virtual void message_relayed(protocol::action act) = 0;
  virtual void message_undelivered(undeliverable_reason why) = 0;
  // iceServers handed out (with a start reply or on request).
  virtual void credentials_minted() = 0;
  virtual void peer_refused(peer_refusal why) = 0;
  virtual void resume_attempted(resume_result result) = 0;
  virtual void peer_detached() = 0;
  // A detached peer resumed or left.
  virtual void detached_peer_gone() = 0;
  // The oldest detached peer left to make room (peers.max_detached).
  virtual void peer_evicted() = 0;
  virtual void peer_left() = 0;
  // Sizes, reported whenever they may have changed.
  virtual void peer_count(std::size_t peers) = 0;
  virtual void client_address_count(std::size_t addresses) = 0;
  virtual void queued_bytes_total(std::size_t bytes) = 0;
  // auth.mode jwt: a start's token verified, or was refused for `reason`
  // (a metrics::auth_failure_reasons label).
  virtual void auth_succeeded() = 0;
  virtual void auth_failed(std::string_view reason) = 0;
};

}  // namespace switchboard::core
