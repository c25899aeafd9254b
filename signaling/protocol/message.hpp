#pragma once
// Protocol v1: the JSON messages exchanged over the WebSocket (docs/protocol.md).
// Pure functions: parse one inbound text frame, serialise outbound messages.
// Nothing here throws on bad input; errors come back as values.

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace switchboard::protocol {

enum class action { start, offer, answer, ice_candidate, hangup, ice_servers };

// Wire name of an action: "start", "offer", "answer", "iceCandidate", "hangup", "iceServers".
std::string_view to_string(action a) noexcept;
// Inverse of to_string; nullopt for an unknown name.
std::optional<action> action_from_string(std::string_view name) noexcept;
// True for the actions that are forwarded to `data.remoteId`.
bool is_relayed(action a) noexcept;

enum class error_code {
  peer_not_found,  // target unknown or gone
  bad_request,     // not JSON, not an object, missing/invalid fields, binary frame
  unknown_action,
  not_started,     // relay or iceServers before start
  too_large,       // frame over server.max_message_bytes
  rate_limited,    // per-connection token bucket empty
  resume_failed,   // unknown id, grace expired or wrong token
  queue_full,      // target is reconnecting and its bounded queue is full
  unauthorized,    // auth.mode jwt: no valid token yet (start refused, or anything before start)
  internal,        // a bug on our side; never the client's fault
  unavailable,     // cluster: the target is on another replica and the replicas cannot reach each other now
};

// Wire code of an error: "peer-not-found", "bad-request", ...
std::string_view to_string(error_code c) noexcept;

struct resume_request {
  std::string id;
  std::string token;
};

// One parsed inbound message.
struct request {
  action act = action::start;
  std::string remote_id;                 // relayed actions: data.remoteId
  std::optional<resume_request> resume;  // start: data.resume, when present
  std::string token;                     // start: data.token (a JWT), when present
  boost::json::object data;              // relayed actions: the whole data object
  std::string data_text;                 // relayed actions: data as the client wrote it
};

struct parse_error {
  error_code code = error_code::bad_request;
  std::string message;  // human-readable, safe to log (never echoes SDP)
  std::string ref;      // the action named by the message, when one could be read
};

using parse_result = std::variant<request, parse_error>;

// Parses one text frame. Validates the fields each action needs:
// start: optional data.resume{id,token} (strings), optional data.token (string);
// offer: data.remoteId (non-empty string) and data.offer (object or string);
// answer: data.remoteId and data.answer (object or string);
// iceCandidate: data.remoteId and data.candidate (object, string or null);
// hangup: data.remoteId; iceServers: nothing.
// `storage` holds the parse tree and request.data: a short-lived arena (e.g. a
// monotonic_resource per message) saves an allocation per JSON node; the
// request must then not outlive it.
parse_result parse(std::string_view text, boost::json::storage_ptr storage = {});

struct ice_server {
  std::vector<std::string> urls;
  std::string username;    // empty for STUN
  std::string credential;  // empty for STUN
};

// {"action":"start","id":ID,"iceServers":[...],"ttl":S,"resumeToken":T[,"resumed":true]}
std::string start_reply(std::string_view id, const std::vector<ice_server>& servers,
                        std::chrono::seconds ttl, std::string_view resume_token, bool resumed);

// {"action":"iceServers","iceServers":[...],"ttl":S}
std::string ice_servers_reply(const std::vector<ice_server>& servers, std::chrono::seconds ttl);

// The message delivered to the target of a relayed request, with "from" stamped by
// the server. offer: data.remoteId is set to the sender (tutorial compatibility);
// answer, iceCandidate, hangup: data.remoteId is removed. Every other member of
// data is copied as the client wrote it (from data_text, when set), so numbers
// and strings reach the target byte for byte.
// from_identity (auth.mode jwt: the sender's token subject), when not empty,
// is stamped on offers as "fromIdentity" next to both "from"s.
std::string forward(const request& r, std::string_view from_id, std::string_view from_identity = {});
// The same, consuming r.data instead of copying it.
std::string forward(request&& r, std::string_view from_id, std::string_view from_identity = {});

// {"action":"error","code":C,"message":M[,"ref":R]}; ref omitted when empty.
std::string error_message(error_code c, std::string_view message, std::string_view ref);

// {"action":"peerLeft","id":ID}
std::string peer_left(std::string_view id);

}  // namespace switchboard::protocol
