// signaling_metrics as the core's event sink: each event is one counter or
// gauge update, lock-free (prometheus-cpp's atomics).

#include "signaling/metrics/metrics.hpp"

namespace switchboard::metrics {

void signaling_metrics::message_received(std::size_t bytes) {
  messages_in.Increment();
  bytes_in.Increment(static_cast<double>(bytes));
}

void signaling_metrics::error_replied(protocol::error_code code) { error_sent(code).Increment(); }

void signaling_metrics::message_relayed(protocol::action act) { relayed(act).Increment(); }

void signaling_metrics::message_undelivered(core::undeliverable_reason why) { undeliverable(why).Increment(); }

void signaling_metrics::credentials_minted() { credentials_issued.Increment(); }

void signaling_metrics::peer_refused(core::peer_refusal why) { peers_refused(why).Increment(); }

void signaling_metrics::resume_attempted(core::resume_result result) { resumes(result).Increment(); }

void signaling_metrics::peer_detached() { peers_detached.Increment(); }

void signaling_metrics::detached_peer_gone() { peers_detached.Decrement(); }

void signaling_metrics::peer_evicted() { peers_evicted.Increment(); }

void signaling_metrics::peer_left() { peers_left.Increment(); }

void signaling_metrics::peer_count(std::size_t n) { peers.Set(static_cast<double>(n)); }

void signaling_metrics::client_address_count(std::size_t n) { client_addresses.Set(static_cast<double>(n)); }

void signaling_metrics::queued_bytes_total(std::size_t bytes) { queued_bytes.Set(static_cast<double>(bytes)); }

void signaling_metrics::auth_succeeded() { auth_successes.Increment(); }

void signaling_metrics::auth_failed(std::string_view reason) { auth_failures(reason).Increment(); }

}  // namespace switchboard::metrics
