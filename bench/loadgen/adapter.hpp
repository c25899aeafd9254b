#pragma once
// Protocol adapters: how one benchmark workload is spelled for each server.
// Pure: they build outbound text frames and classify inbound ones; no I/O.
//   switchboard: {"action":"start"} -> id; offer/answer/iceCandidate with data.remoteId;
//                relayed messages arrive with "from".
//   peerjs:      ids chosen by the client in the upgrade URL, {"type":"OPEN"} on connect;
//                OFFER/ANSWER/CANDIDATE with "dst" and "payload"; they arrive with "src".

#include <boost/json/object.hpp>
#include <boost/json/parser.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace switchboard::bench {

enum class inbound_kind { ready, offer, answer, candidate, error, other };

struct inbound {
  inbound_kind kind = inbound_kind::other;
  std::string from;         // relayed messages: the sender's id, as stamped by the server
  std::string id;           // ready: the id the server assigned (switchboard)
  std::int64_t stamp = -1;  // candidates: the sender's send time in ns; -1 = set-up candidate
  std::string detail;       // error: what the server said
};

// A JSON string literal, quotes included.
std::string json_quote(std::string_view s);

class protocol_adapter {
 public:
  virtual ~protocol_adapter() = default;

  // The upgrade target for a client asking for `client_id` (ignored by switchboard).
  virtual std::string target(std::string_view client_id) const = 0;
  // The first frame after the upgrade; empty when the server speaks first.
  virtual std::string hello() const = 0;
  // `to`, `sdp` and `line` are JSON string literals (json_quote), built once per pair.
  virtual std::string offer(std::string_view to, std::string_view sdp) const = 0;
  virtual std::string answer(std::string_view to, std::string_view sdp) const = 0;
  // stamp < 0: a call set-up candidate, no timestamp in the payload.
  virtual std::string candidate(std::string_view to, std::string_view line,
                                std::int64_t stamp) const = 0;

  // Classifies one inbound text frame; malformed frames come back as errors.
  inbound parse(std::string_view text);

 protected:
  virtual inbound classify(const boost::json::object& msg) const = 0;

 private:
  boost::json::parser parser_;  // reused: its stack survives between frames
};

// "switchboard" or "peerjs"; nullptr for anything else. `path` is the WebSocket path.
std::unique_ptr<protocol_adapter> make_adapter(std::string_view name, std::string path);

}  // namespace switchboard::bench
