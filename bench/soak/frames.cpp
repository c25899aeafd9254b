#include "bench/soak/frames.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <array>

namespace switchboard::soak {
namespace json = boost::json;

namespace {

// 21 characters, the alphabet of real IDs, 43 for tokens.
constexpr std::string_view id_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

std::string salted(std::uint64_t salt, std::size_t length) {
  std::string s(length, 'A');
  std::uint64_t x = salt * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
  for (auto& c : s) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    c = id_alphabet[(x >> 58) & 63];
  }
  return s;
}

std::string_view str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  return v->get_string();
}

// The checks shared by every relayed message; fills in.from, in.seq or in.problem.
void read_relayed(const json::object& msg, inbound& in) {
  in.kind = inbound_kind::relayed;
  in.from = str(msg, "from");
  const auto* data = msg.if_contains("data");
  if (in.from.empty() || data == nullptr || !data->is_object()) {
    in.problem = "relayed " + in.action + " without from or data";
    return;
  }
  const auto& d = data->get_object();
  if (str(d, "from") != in.from) in.problem = "data.from differs from from";
  const bool is_offer = in.action == "offer";
  const auto* remote = d.if_contains("remoteId");
  if (is_offer && str(d, "remoteId") != in.from) in.problem = "offer: data.remoteId is not the sender";
  if (!is_offer && remote != nullptr) in.problem = in.action + ": data.remoteId was not removed";
  const auto* seq = d.if_contains("seq");
  if (seq != nullptr && seq->is_int64()) in.seq = seq->get_int64();
  if (in.seq < 0) in.problem = "relayed " + in.action + " lost its data.seq";
}

}  // namespace

std::string quote(std::string_view s) { return json::serialize(json::string(s)); }

std::string start_frame() { return R"({"action":"start"})"; }

std::string resume_frame(std::string_view id, std::string_view token) {
  return R"({"action":"start","data":{"resume":{"id":)" + quote(id) + R"(,"token":)" + quote(token) + "}}}";
}

std::string ice_servers_frame() { return R"({"action":"iceServers"})"; }

std::string offer_frame(std::string_view to, std::string_view sdp, std::uint64_t seq) {
  return R"({"action":"offer","data":{"remoteId":)" + std::string(to) + R"(,"offer":{"type":"offer","sdp":)" +
         std::string(sdp) + R"(},"seq":)" + std::to_string(seq) + "}}";
}

std::string answer_frame(std::string_view to, std::string_view sdp, std::uint64_t seq) {
  return R"({"action":"answer","data":{"remoteId":)" + std::string(to) + R"(,"answer":{"type":"answer","sdp":)" +
         std::string(sdp) + R"(},"seq":)" + std::to_string(seq) + "}}";
}

std::string candidate_frame(std::string_view to, std::string_view line, std::uint64_t seq) {
  return R"({"action":"iceCandidate","data":{"remoteId":)" + std::string(to) + R"(,"candidate":{"candidate":)" +
         std::string(line) + R"(,"sdpMid":"0","sdpMLineIndex":0},"seq":)" + std::to_string(seq) + "}}";
}

std::string hangup_frame(std::string_view to, std::uint64_t seq) {
  return R"({"action":"hangup","data":{"remoteId":)" + std::string(to) + R"(,"seq":)" + std::to_string(seq) + "}}";
}

std::string_view name(injection k) {
  switch (k) {
    case injection::bad_json: return "bad_json";
    case injection::unknown_action: return "unknown_action";
    case injection::unknown_target: return "unknown_target";
    case injection::bad_resume: return "bad_resume";
  }
  return "?";
}

std::string injection_frame(injection k, std::uint64_t salt) {
  switch (k) {
    // Cut off mid-object: not JSON at all.
    case injection::bad_json: return R"({"action":"iceCandidate","data":{"remoteId":)";
    case injection::unknown_action: return R"({"action":"soakNoSuchAction","data":{}})";
    // 24 characters: never a server-issued ID (those have 21).
    case injection::unknown_target:
      return R"({"action":"iceCandidate","data":{"remoteId":"soak-no-such-peer-00000","candidate":null}})";
    case injection::bad_resume: return resume_frame(salted(salt, 21), salted(salt + 1, 43));
  }
  return {};
}

expected_error expected_reply(injection k) {
  switch (k) {
    case injection::bad_json: return {"bad-request", ""};
    case injection::unknown_action: return {"unknown-action", "soakNoSuchAction"};
    case injection::unknown_target: return {"peer-not-found", "iceCandidate"};
    case injection::bad_resume: return {"resume-failed", "start"};
  }
  return {};
}

inbound classify(std::string_view text) {
  std::array<unsigned char, 8192> buffer;  // small frames parse without touching the heap
  json::monotonic_resource resource(buffer.data(), buffer.size());
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec, &resource);
  inbound in;
  if (ec || !v.is_object()) {
    in.problem = "inbound frame is not a JSON object";
    return in;
  }
  const auto& msg = v.get_object();
  in.action = str(msg, "action");
  if (in.action == "start") {
    in.kind = inbound_kind::start;
    in.id = str(msg, "id");
    in.token = str(msg, "resumeToken");
    const auto* r = msg.if_contains("resumed");
    in.resumed = r != nullptr && r->is_bool() && r->get_bool();
    if (in.id.size() != 21 || in.token.size() != 43) in.problem = "start reply without a valid id or resumeToken";
  } else if (in.action == "iceServers") {
    in.kind = inbound_kind::ice_servers;
    if (msg.if_contains("iceServers") == nullptr) in.problem = "iceServers reply without iceServers";
  } else if (in.action == "peerLeft") {
    in.kind = inbound_kind::peer_left;
    in.id = str(msg, "id");
  } else if (in.action == "error") {
    in.kind = inbound_kind::error;
    in.code = str(msg, "code");
    in.ref = str(msg, "ref");
  } else if (in.action == "offer" || in.action == "answer" || in.action == "iceCandidate" || in.action == "hangup") {
    read_relayed(msg, in);
  } else {
    in.problem = "unknown inbound action '" + in.action + "'";
  }
  return in;
}

}  // namespace switchboard::soak
