// Serialisation of outbound protocol v1 messages.
#include "signaling/protocol/message.hpp"

#include "signaling/protocol/raw_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace switchboard::protocol {
namespace json = boost::json;

namespace {

// RTCIceServer: STUN entries carry no username/credential at all, which is
// what browsers expect rather than empty strings.
json::array ice_servers_json(const std::vector<ice_server>& servers) {
  json::array out;
  out.reserve(servers.size());
  for (const auto& s : servers) {
    json::array urls;
    for (const auto& u : s.urls) urls.emplace_back(u);
    json::object o;
    o["urls"] = std::move(urls);
    if (!s.username.empty()) o["username"] = s.username;
    if (!s.credential.empty()) o["credential"] = s.credential;
    out.emplace_back(std::move(o));
  }
  return out;
}

}  // namespace

std::string start_reply(std::string_view id, const std::vector<ice_server>& servers,
                        std::chrono::seconds ttl, std::string_view resume_token, bool resumed) {
  json::object o;
  o["action"] = "start";
  o["id"] = id;
  o["iceServers"] = ice_servers_json(servers);
  o["ttl"] = ttl.count();
  o["resumeToken"] = resume_token;
  if (resumed) o["resumed"] = true;
  return json::serialize(o);
}

std::string ice_servers_reply(const std::vector<ice_server>& servers, std::chrono::seconds ttl) {
  json::object o;
  o["action"] = "iceServers";
  o["iceServers"] = ice_servers_json(servers);
  o["ttl"] = ttl.count();
  return json::serialize(o);
}

// Appends the JSON text of `sv` (a quoted string) or `*o` to `out`.
template <class T>
void append_json(std::string& out, json::serializer& sr, const T& t) {
  sr.reset(t);
  char buf[4096];
  while (!sr.done()) {
    const auto chunk = sr.read(buf);
    out.append(chunk.data(), chunk.size());
  }
}

namespace {

// data's members after the server's edits, in the order a parse tree would
// hold them (so the relay fast path, which makes the same edits, agrees byte
// for byte): a duplicate key keeps its first place and its last value;
// remoteId becomes the sender (offer) or is erased, the last member moving
// into its slot; "from" is replaced in place or appended.
std::vector<raw::member> edited_members(const request& r, const std::vector<raw::member>& written,
                                        std::string_view from, std::string_view identity) {
  std::vector<raw::member> out;
  std::vector<std::string> keys;
  for (const auto& m : written) {
    auto key = raw::key_of(m.key);
    const auto same = std::find(keys.begin(), keys.end(), key);
    if (same != keys.end()) {
      out[static_cast<std::size_t>(same - keys.begin())].value = m.value;
      continue;
    }
    keys.push_back(std::move(key));
    out.push_back(m);
  }
  const auto index_of = [&](std::string_view k) {
    return static_cast<std::size_t>(std::find(keys.begin(), keys.end(), k) - keys.begin());
  };
  if (const std::size_t remote = index_of("remoteId"); remote < out.size()) {
    if (r.act == action::offer) {
      out[remote].value = from;
    } else {
      out[remote] = out.back();
      keys[remote] = keys.back();
      out.pop_back();
      keys.pop_back();
    }
  }
  if (const std::size_t own = index_of("from"); own < out.size()) {
    out[own].value = from;
  } else {
    out.push_back({"\"from\"", from});
    keys.emplace_back("from");
  }
  if (!identity.empty()) {
    if (const std::size_t own = index_of("fromIdentity"); own < out.size()) {
      out[own].value = identity;
    } else {
      out.push_back({"\"fromIdentity\"", identity});
    }
  }
  return out;
}

}  // namespace

// "from" (and, on offers from an authenticated peer, "fromIdentity") is
// written both at the top level and inside data, so whichever one a client
// reads is the server's word and never a value the sender chose.
// The text is that of {"action":A,"from":F[,"fromIdentity":I],"data":D},
// written piece by piece: no outer object is built for every relayed message.
std::string forward(request&& r, std::string_view from_id, std::string_view from_identity) {
  if (r.act != action::offer) from_identity = {};
  std::vector<raw::member> written;
  if (!r.data_text.empty() && raw::object_members(r.data_text, written)) {
    json::serializer sr;
    std::string from;
    append_json(from, sr, json::string_view(from_id));
    std::string identity;
    if (!from_identity.empty()) append_json(identity, sr, json::string_view(from_identity));
    std::string out;
    out.reserve(r.data_text.size() + 64 + 2 * (from.size() + identity.size()));
    out.append(R"({"action":")").append(to_string(r.act)).append(R"(","from":)").append(from);
    if (!identity.empty()) out.append(R"(,"fromIdentity":)").append(identity);
    out.append(R"(,"data":{)");
    bool first = true;
    for (const auto& m : edited_members(r, written, from, identity)) {
      if (!first) out.push_back(',');
      first = false;
      out.append(m.key).push_back(':');
      out.append(m.value);
    }
    out.append("}}");
    return out;
  }
  // A request built without its text (tests): from the parse tree.
  json::object& data = r.data;
  if (r.act == action::offer) {
    data["remoteId"] = from_id;  // the tutorial client answers to data.remoteId
  } else {
    data.erase("remoteId");
  }
  data["from"] = from_id;
  if (!from_identity.empty()) data["fromIdentity"] = from_identity;
  json::serializer sr;
  std::string out;
  out.reserve(512);
  out.append(R"({"action":)");
  append_json(out, sr, json::string_view(to_string(r.act)));
  out.append(R"(,"from":)");
  append_json(out, sr, json::string_view(from_id));
  if (!from_identity.empty()) {
    out.append(R"(,"fromIdentity":)");
    append_json(out, sr, json::string_view(from_identity));
  }
  out.append(R"(,"data":)");
  append_json(out, sr, &data);
  out.push_back('}');
  return out;
}

std::string forward(const request& r, std::string_view from_id, std::string_view from_identity) {
  return forward(request(r), from_id, from_identity);
}

std::string error_message(error_code c, std::string_view message, std::string_view ref) {
  json::object o;
  o["action"] = "error";
  o["code"] = to_string(c);
  o["message"] = message;
  if (!ref.empty()) o["ref"] = ref;
  return json::serialize(o);
}

std::string peer_left(std::string_view id) {
  json::object o;
  o["action"] = "peerLeft";
  o["id"] = id;
  return json::serialize(o);
}

}  // namespace switchboard::protocol
