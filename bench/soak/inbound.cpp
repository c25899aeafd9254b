// What arrives at each peer, checked against what the protocol promises, and what
// a browser client sends in answer (answer + candidates on an offer, candidates on
// an answer). Every deviation is a problem.
#include "bench/soak/driver.hpp"

namespace switchboard::soak {

void driver::on_message(std::size_t i, const soak_conn* c, std::string_view text) {
  if (peers_[i].conn.get() != c) return;  // a connection the soak already let go
  const inbound in = classify(text);
  if (!in.problem.empty()) {
    problems_.add("malformed server message", who(i) + ": " + in.problem + ": " + std::string(text.substr(0, 160)));
    return;
  }
  switch (in.kind) {
    case inbound_kind::start: return on_start(i, in);
    case inbound_kind::relayed: return on_relayed(i, in);
    case inbound_kind::error:
    case inbound_kind::ice_servers: return on_reply(i, in);
    case inbound_kind::peer_left: return on_peer_left(i, in);
    case inbound_kind::other: break;
  }
  problems_.add("unexpected message", who(i) + ": " + std::string(text.substr(0, 160)));
}

void driver::on_close(std::size_t i, const soak_conn* c, const std::string& why) {
  if (peers_[i].conn.get() != c) return;
  problems_.add("connection closed unexpectedly", who(i) + ": " + why);
  peers_[i].conn.reset();
  pairs_[i / 2].broken = true;
  wake(i / 2);
}

void driver::on_start(std::size_t i, const inbound& in) {
  auto& pe = peers_[i];
  if (pe.awaiting == start_wait::none) {
    problems_.add("unexpected message", who(i) + ": a start reply nobody asked for");
    return;
  }
  if (pe.awaiting == start_wait::resume) {
    if (!in.resumed || in.id != pe.id || in.token == pe.token) {
      problems_.add("resume failed", who(i) + ": reply resumed=" + (in.resumed ? "true" : "false") + " id " + in.id);
      pe.start_failed = true;
    } else {
      tally_.resumed.fetch_add(1, std::memory_order_relaxed);
      ++pe.resumes;
    }
  } else {
    if (in.resumed) problems_.add("unexpected message", who(i) + ": a fresh start reply says resumed");
    pe.id = in.id;
    pe.quoted_id = quote(in.id);
    tally_.new_ids.fetch_add(1, std::memory_order_relaxed);
  }
  pe.token = in.token;
  pe.awaiting = start_wait::none;
  wake(i / 2);
}

void driver::on_relayed(std::size_t i, const inbound& in) {
  auto& pe = peers_[i];
  const auto& partner = peers_[i ^ 1];
  if (partner.id.empty() || in.from != partner.id) {
    problems_.add("relayed message from a stranger", who(i) + ": " + in.action + " from " + in.from);
    return;
  }
  const auto seq = static_cast<std::uint64_t>(in.seq);
  if (seq < pe.received) {
    problems_.add("relayed message duplicated or reordered",
                  who(i) + ": seq " + std::to_string(seq) + ", expected " + std::to_string(pe.received));
    return;
  }
  if (seq > pe.received) {
    problems_.add("relayed messages lost", who(i) + ": seq " + std::to_string(seq) + " after " +
                  std::to_string(pe.received), seq - pe.received);
  }
  pe.received = seq + 1;
  tally_.relayed_in.fetch_add(1, std::memory_order_relaxed);
  if (in.action == "offer") {
    peers_[i].conn->send(answer_frame(partner.quoted_id, answer_sdps_[i % answer_sdps_.size()], pe.sent++));
    tally_.answers.fetch_add(1, std::memory_order_relaxed);
    send_setup_candidates(i);
  } else if (in.action == "answer") {
    send_setup_candidates(i);
  }
  wake(i / 2);
}

void driver::on_reply(std::size_t i, const inbound& in) {
  auto& pe = peers_[i];
  const bool ice = in.kind == inbound_kind::ice_servers;
  if (!pe.replies.empty()) {
    const auto& want = pe.replies.front();
    if (want.ice_servers == ice && (ice || (want.code == in.code && want.ref == in.ref))) {
      pe.replies.pop_front();
      wake(i / 2);
      return;
    }
  }
  problems_.add(ice ? "unexpected message" : "unexpected error " + in.code,
                who(i) + ": " + (ice ? std::string("iceServers reply") : in.code + " ref '" + in.ref + "'"));
  if (pe.awaiting != start_wait::none) {
    pe.start_failed = true;  // e.g. rate-limited start: no start reply will come
    wake(i / 2);
  }
}

void driver::on_peer_left(std::size_t i, const inbound& in) {
  auto& list = peers_[i].expected_left;
  for (auto it = list.begin(); it != list.end(); ++it) {
    if (it->id == in.id) {
      list.erase(it);
      tally_.peer_left_in.fetch_add(1, std::memory_order_relaxed);
      wake(i / 2);  // a quiesce may be waiting for it
      return;
    }
  }
  problems_.add("unexpected peerLeft", who(i) + ": peerLeft for " + in.id);
}

void driver::send_candidate(std::size_t from) {
  auto& pe = peers_[from];
  if (!pe.conn) return;
  const auto& line = candidate_lines_[(pe.sent + from) % candidate_lines_.size()];
  pe.conn->send(candidate_frame(peers_[from ^ 1].quoted_id, line, pe.sent++));
  tally_.candidates.fetch_add(1, std::memory_order_relaxed);
}

void driver::send_setup_candidates(std::size_t from) {
  for (std::size_t k = 0; k < opts_.setup_candidates; ++k) send_candidate(from);
}

void driver::inject(std::size_t i, injection k) {
  auto& pe = peers_[i];
  const auto want = expected_reply(k);
  pe.replies.push_back({false, std::string(want.code), std::string(want.ref)});
  pe.conn->send(injection_frame(k, ++salt_));
  counter* counts[] = {&tally_.bad_json, &tally_.unknown_action, &tally_.unknown_target, &tally_.bad_resume};
  counts[static_cast<int>(k)]->fetch_add(1, std::memory_order_relaxed);
}

}  // namespace switchboard::soak
