// Parsing of inbound protocol v1 messages. Every failure becomes a
// parse_error whose message names the offending field; SDP and candidate
// text are never copied into it.
#include "signaling/protocol/message.hpp"

#include "signaling/protocol/raw_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <utility>

namespace switchboard::protocol {
namespace json = boost::json;

namespace {

constexpr std::size_t max_id_chars = 64;     // remoteId, resume id, echoed action names
constexpr std::size_t max_token_chars = 128;  // resume tokens are 43; leave room, bound the rest
// data.token (a JWT): the verifier refuses anything over its own cap (8 KiB)
// with a precise reason; this bound only keeps the copy small.
constexpr std::size_t max_jwt_chars = 16 * 1024;

constexpr std::array<std::pair<action, std::string_view>, 6> action_names{{
    {action::start, "start"},
    {action::offer, "offer"},
    {action::answer, "answer"},
    {action::ice_candidate, "iceCandidate"},
    {action::hangup, "hangup"},
    {action::ice_servers, "iceServers"},
}};

parse_error fail(error_code c, std::string message, std::string_view ref = {}) {
  return parse_error{c, std::move(message), std::string(ref)};
}

// Cuts at a code point boundary: the result is echoed in a text frame, which
// must stay valid UTF-8 (the parser already rejected invalid input).
std::string truncate_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut));
}

// A non-empty string of at most max_id_chars, or an error naming `field`.
std::optional<parse_error> check_id(const json::value* v, std::string_view field, std::string_view ref,
                                    std::size_t max = max_id_chars) {
  const json::string* s = v ? v->if_string() : nullptr;
  if (s == nullptr || s->empty()) {
    return fail(error_code::bad_request, std::string(field) + " must be a non-empty string", ref);
  }
  if (s->size() > max) {
    return fail(error_code::bad_request,
                std::string(field) + " must be at most " + std::to_string(max) + " characters", ref);
  }
  return std::nullopt;
}

parse_result parse_start(const json::object& msg) {
  request req;
  req.act = action::start;
  const json::value* data = msg.if_contains("data");
  if (data == nullptr || data->is_null()) return req;
  if (!data->is_object()) return fail(error_code::bad_request, "data must be an object", "start");
  if (const json::value* token = data->as_object().if_contains("token"); token != nullptr && !token->is_null()) {
    if (!token->is_string()) return fail(error_code::bad_request, "data.token must be a string", "start");
    if (token->as_string().size() > max_jwt_chars) {
      return fail(error_code::bad_request,
                  "data.token must be at most " + std::to_string(max_jwt_chars) + " characters", "start");
    }
    req.token = std::string(token->as_string());
  }
  const json::value* resume = data->as_object().if_contains("resume");
  if (resume == nullptr || resume->is_null()) return req;
  if (!resume->is_object()) return fail(error_code::bad_request, "data.resume must be an object", "start");
  const auto& r = resume->as_object();
  if (auto err = check_id(r.if_contains("id"), "data.resume.id", "start")) return *err;
  if (auto err = check_id(r.if_contains("token"), "data.resume.token", "start", max_token_chars)) return *err;
  req.resume = resume_request{std::string(r.at("id").as_string()), std::string(r.at("token").as_string())};
  return req;
}

// The payload field each relayed action must carry, and what it may hold.
struct payload_rule {
  std::string_view field;  // "" = none (hangup)
  bool allow_null = false;
  std::string_view expected;
};

payload_rule payload_rule_for(action a) {
  switch (a) {
    case action::offer: return {"offer", false, "an object or a string"};
    case action::answer: return {"answer", false, "an object or a string"};
    case action::ice_candidate: return {"candidate", true, "an object, a string or null"};
    default: return {};
  }
}

parse_result parse_relayed(action a, json::object& msg, std::string_view text) {
  const std::string_view ref = to_string(a);
  json::value* data = msg.if_contains("data");
  if (data == nullptr || !data->is_object()) return fail(error_code::bad_request, "data must be an object", ref);
  json::object& d = data->as_object();
  if (auto err = check_id(d.if_contains("remoteId"), "data.remoteId", ref)) return *err;
  const payload_rule rule = payload_rule_for(a);
  if (!rule.field.empty()) {
    const json::value* p = d.if_contains(rule.field);
    const bool ok = p != nullptr && (p->is_object() || p->is_string() || (rule.allow_null && p->is_null()));
    if (!ok) {
      return fail(error_code::bad_request,
                  "data." + std::string(rule.field) + " must be " + std::string(rule.expected), ref);
    }
  }
  // Built in place: moving d into a default-constructed object would copy it
  // whenever d lives in another memory resource (an arena given to parse()).
  std::string remote_id(d.at("remoteId").as_string());
  return request{.act = a,
                 .remote_id = std::move(remote_id),
                 .resume = std::nullopt,
                 .token = {},
                 .data = std::move(d),
                 .data_text = std::string(raw::find_member(text, "data"))};
}

}  // namespace

std::string_view to_string(action a) noexcept {
  for (const auto& [value, name] : action_names) {
    if (value == a) return name;
  }
  return "unknown";
}

std::optional<action> action_from_string(std::string_view name) noexcept {
  for (const auto& [value, n] : action_names) {
    if (n == name) return value;
  }
  return std::nullopt;
}

bool is_relayed(action a) noexcept {
  return a == action::offer || a == action::answer || a == action::ice_candidate || a == action::hangup;
}

std::string_view to_string(error_code c) noexcept {
  switch (c) {
    case error_code::peer_not_found: return "peer-not-found";
    case error_code::bad_request: return "bad-request";
    case error_code::unknown_action: return "unknown-action";
    case error_code::not_started: return "not-started";
    case error_code::too_large: return "too-large";
    case error_code::rate_limited: return "rate-limited";
    case error_code::resume_failed: return "resume-failed";
    case error_code::queue_full: return "queue-full";
    case error_code::unauthorized: return "unauthorized";
    case error_code::internal: return "internal";
    case error_code::unavailable: return "unavailable";
  }
  return "internal";
}

parse_result parse(std::string_view text, json::storage_ptr storage) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, std::move(storage));
  if (ec) return fail(error_code::bad_request, "message is not valid JSON");
  json::object* msg = v.if_object();
  if (msg == nullptr) return fail(error_code::bad_request, "message must be a JSON object");
  const json::value* name = msg->if_contains("action");
  if (name == nullptr) return fail(error_code::bad_request, "action is missing");
  if (!name->is_string()) return fail(error_code::bad_request, "action must be a string");
  const std::string_view n = name->as_string();
  const std::optional<action> a = action_from_string(n);
  if (!a) {
    return fail(error_code::unknown_action,
                "action must be one of start, offer, answer, iceCandidate, hangup, iceServers",
                truncate_utf8(n, max_id_chars));
  }
  switch (*a) {
    case action::start: return parse_start(*msg);
    case action::ice_servers: {
      request req;
      req.act = action::ice_servers;
      return req;
    }
    default: return parse_relayed(*a, *msg, text);
  }
}

}  // namespace switchboard::protocol
