#pragma once
// The soak's wire vocabulary (docs/protocol.md), pure: outbound text frames as a
// browser client sends them, the exact malformed frames it injects with the reply
// each one must get, and the classification of inbound frames. No I/O.
//
// Every relayed message carries "seq" in data (extra data fields are forwarded
// unchanged): the receiver checks order and loss per direction.

#include <cstdint>
#include <string>
#include <string_view>

namespace switchboard::soak {

// A JSON string literal, quotes included.
std::string quote(std::string_view s);

std::string start_frame();
std::string resume_frame(std::string_view id, std::string_view token);
std::string ice_servers_frame();
// `to` and `sdp` / `line` are JSON string literals (quote()).
std::string offer_frame(std::string_view to, std::string_view sdp, std::uint64_t seq);
std::string answer_frame(std::string_view to, std::string_view sdp, std::uint64_t seq);
std::string candidate_frame(std::string_view to, std::string_view line, std::uint64_t seq);
std::string hangup_frame(std::string_view to, std::uint64_t seq);

// Injected malformed messages and the error each must draw.
enum class injection { bad_json, unknown_action, unknown_target, bad_resume };
inline constexpr int n_injections = 4;
std::string_view name(injection k);
// `salt` varies the unknown ID and token of bad_resume (never a real peer's:
// 64^21 IDs); the others are fixed frames.
std::string injection_frame(injection k, std::uint64_t salt);
struct expected_error {
  std::string_view code;  // wire code
  std::string_view ref;   // "" = no ref field
};
expected_error expected_reply(injection k);

enum class inbound_kind { start, ice_servers, relayed, peer_left, error, other };

struct inbound {
  inbound_kind kind = inbound_kind::other;
  std::string action;     // relayed: offer | answer | iceCandidate | hangup
  std::string from;       // relayed: top-level from
  std::string id;         // start: the peer ID; peerLeft: who left
  std::string token;      // start: resumeToken
  bool resumed = false;   // start: "resumed":true
  std::string code, ref;  // error
  std::int64_t seq = -1;  // relayed: data.seq
  std::string problem;    // non-empty: the frame breaks the protocol (says how)
};

// Classifies one inbound text frame and checks the server's side of the protocol
// (from stamped twice, data.remoteId only on offers, fields present).
inbound classify(std::string_view text);

}  // namespace switchboard::soak
