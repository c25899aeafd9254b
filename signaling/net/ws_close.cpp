#include "signaling/net/ws_close.hpp"

#include "signaling/net/ws_frame.hpp"

namespace switchboard::net::ws {

close_state::steps close_state::start(std::uint16_t code) {
  if (code_ || peer_closed_) return {};
  code_ = code;
  draining_ = code == close_status::going_away;
  return {.drop_queued = !draining_, .arm_deadline = true};
}

close_state::steps close_state::peer_close(std::uint16_t code, bool leave_on_close) {
  if (peer_closed_) return {};
  peer_closed_ = true;
  // The answer to our close, or a close while we drained: ours goes out without waiting.
  if (code_) return {.finish = true, .drop_queued = !queued_};
  code_ = code;  // echoed, as RFC 6455 section 5.5.1 suggests
  const bool clean = code == close_status::normal || code == close_status::going_away;
  return {.finish = true, .goodbye = leave_on_close && clean, .drop_queued = true, .arm_deadline = true};
}

close_state::steps close_state::protocol_error(std::uint16_t code) {
  failed_ = true;
  const bool was_closing = code_.has_value();
  if (!queued_) code_ = code;  // a close frame already queued stays the one sent
  return {.finish = true, .drop_queued = true, .arm_deadline = !was_closing};
}

std::optional<std::uint16_t> close_state::frame_due(bool outbox_empty) {
  if (!code_ || queued_ || !outbox_empty) return std::nullopt;
  queued_ = true;
  return code_;
}

close_state::after_flush close_state::flushed() {
  if (!queued_) return after_flush::nothing;
  sent_ = true;
  return peer_closed_ ? after_flush::close_socket : after_flush::wait_for_peer;
}

}  // namespace switchboard::net::ws
