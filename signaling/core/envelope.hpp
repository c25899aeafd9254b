#pragma once
// What replicas say to each other over the message bus (docs/cluster.md):
// a small binary-safe record, versioned, decoded strictly (anything else is
// dropped and counted, never guessed at). Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::core::wire {

enum class kind : std::uint8_t {
  relay = 1,        // a forwarded message: from → to, body = the text the target receives
  error,            // a relay could not be delivered: tell peer `from` (code in `seq`, message in body, ref in `to`)
  peer_left,        // peer `from` left: body = its contacts, one per line ("" with flag = scan every local peer)
  moved,            // peer `from` is now owned by node `to` at `epoch`; with `from` empty, forget the
                    // owners of the peers in body (one per line)
  handoff_request,  // node `to` took peer `from` over at `epoch`: send it what you hold
  handoff_data,     // what the previous owner held of peer `from` (body = encode_handoff)
};

struct envelope {
  kind type = kind::relay;
  std::string from_node;      // the node that sent it (for answers)
  std::string from;           // see kind
  std::string to;             // see kind
  std::uint64_t epoch = 0;    // moved, handoff_*: the owner's epoch; relay, error: the protocol action
  std::uint64_t gen = 0;      // relay: the sender's sequence generation
  std::uint64_t seq = 0;      // relay: per (from, to) sequence number, from 1; error: the error code
  bool flag = false;          // relay: a hangup (ends the contact); peer_left: contacts unknown, scan
  std::string body;
};

std::string encode(const envelope& e);
std::optional<envelope> decode(std::string_view payload);

// What a peer's previous owner hands to the next one.
struct handoff_state {
  struct message {
    std::string text;
    bool relayed = false;
  };
  struct inbound_seq {
    std::string from;
    std::uint64_t gen = 0;
    std::uint64_t next = 1;
  };
  struct outbound_seq {
    std::string to;
    std::uint64_t seq = 0;  // last sent
  };
  std::vector<message> pending;        // in order
  std::vector<inbound_seq> inbound;    // per sender: the next expected sequence number
  std::uint64_t gen = 0;               // the peer's own sending generation
  std::vector<outbound_seq> outbound;  // per target: the last sequence number used
  std::vector<std::string> contacts;
  std::string address;                 // the client address it was last seen from
};

std::string encode_handoff(const handoff_state& s);
std::optional<handoff_state> decode_handoff(std::string_view body);

// Lowercase hex SHA-256: how resume tokens are kept in the shared directory.
std::string token_hash(std::string_view token);

}  // namespace switchboard::core::wire
