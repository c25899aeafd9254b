// What each inbound message leads to: the call set-up exchange and the relay chains.
#include "bench/loadgen/scenario.hpp"

#include "bench/loadgen/sdp.hpp"

#include <cstdio>

namespace switchboard::bench {

namespace {
constexpr std::uint64_t notes_max = 5;

void note(std::uint64_t count, const std::string& what) {
  if (count <= notes_max) std::fprintf(stderr, "%s\n", what.c_str());
}
}  // namespace

std::int64_t scenario::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - epoch_).count();
}

void scenario::on_message(std::size_t index, std::string_view text) {
  const inbound in = adapter_->parse(text);
  const bool relayed = in.kind == inbound_kind::offer || in.kind == inbound_kind::answer ||
                       in.kind == inbound_kind::candidate;
  if (relayed && in.from != peers_[peers_[index].partner].id) {
    note(++results_.misrouted, "peer " + std::to_string(index) + ": from '" + in.from + "'");
    return;
  }
  switch (in.kind) {
    case inbound_kind::offer:
      return on_offer(index);
    case inbound_kind::answer:
      return on_answer(index);
    case inbound_kind::candidate:
      if (in.stamp >= 0) return on_relay_candidate(index, in.stamp);
      return on_setup_candidate(index);
    case inbound_kind::error:
      return note(++results_.server_errors, "peer " + std::to_string(index) + ": " + in.detail);
    default:
      return note(++results_.misrouted,
                  "peer " + std::to_string(index) + ": unexpected " + std::string(text.substr(0, 200)));
  }
}

void scenario::start_call(std::size_t pair) {
  auto& caller = peers_[2 * pair];
  call_started_[pair] = clock::now();
  const auto sdp = json_quote(make_sdp("offer", opts_.sdp_bytes, static_cast<std::uint32_t>(2 * pair)));
  auto frame = adapter_->offer(peers_[caller.partner].quoted_id, sdp);
  if (results_.offer_bytes == 0) results_.offer_bytes = frame.size();
  caller.conn->send(std::move(frame));
}

void scenario::on_offer(std::size_t index) {
  auto& callee = peers_[index];
  const auto sdp =
      json_quote(make_sdp("answer", opts_.sdp_bytes, static_cast<std::uint32_t>(index)));
  callee.conn->send(adapter_->answer(peers_[callee.partner].quoted_id, sdp));
  send_setup_candidates(index);
}

void scenario::on_answer(std::size_t index) {
  peers_[index].answered = true;
  send_setup_candidates(index);
  check_call(index / 2);
}

void scenario::on_setup_candidate(std::size_t index) {
  ++peers_[index].candidates_in;
  check_call(index / 2);
}

void scenario::send_setup_candidates(std::size_t from) {
  auto& p = peers_[from];
  for (std::size_t c = 0; c < opts_.setup_candidates; ++c) {
    const auto& line = candidate_lines_[(from + c) % candidate_lines_.size()];
    p.conn->send(adapter_->candidate(peers_[p.partner].quoted_id, line, -1));
  }
}

void scenario::check_call(std::size_t pair) {
  auto& caller = peers_[2 * pair];
  const auto& callee = peers_[2 * pair + 1];
  if (caller.call_done || !caller.answered) return;
  if (caller.candidates_in < opts_.setup_candidates) return;
  if (callee.candidates_in < opts_.setup_candidates) return;
  caller.call_done = true;
  call_ns_.record(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - call_started_[pair])
          .count()));
  latch_.count_down();
  if (next_call_ < opts_.pairs) start_call(next_call_++);
}

void scenario::send_relay(std::size_t from) {
  auto& p = peers_[from];
  const auto& line = candidate_lines_[relay_.sent % candidate_lines_.size()];
  auto frame = adapter_->candidate(peers_[p.partner].quoted_id, line, now_ns());
  if (results_.candidate_bytes == 0) results_.candidate_bytes = frame.size();
  p.conn->send(std::move(frame));
  ++relay_.sent;
}

void scenario::on_relay_candidate(std::size_t index, std::int64_t stamp) {
  ++relay_.received;
  if (relay_.measured) {
    const std::int64_t latency = now_ns() - stamp;
    latency_ns_.record(static_cast<std::uint64_t>(latency > 0 ? latency : 0));
  }
  if (!relay_.stopping) {
    // Each arrival sends the next candidate of its chain back: K stay in flight per pair.
    if (clock::now() < relay_.deadline && relay_.sent < relay_.limit) return send_relay(index);
    relay_.stopping = true;
  }
  if (relay_.received >= relay_.sent) latch_.count_down();
}

}  // namespace switchboard::bench
