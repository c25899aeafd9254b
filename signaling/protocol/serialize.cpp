// Serialisation of outbound protocol v1 messages.
#include "signaling/protocol/message.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>

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

// "from" is written both at the top level and inside data, so whichever one a
// client reads is the server's word and never a value the sender chose.
// The text is that of serialising {"action":A,"from":F,"data":D}, written
// piece by piece: no outer object is built for every relayed message.
std::string forward(request&& r, std::string_view from_id) {
  json::object& data = r.data;
  if (r.act == action::offer) {
    data["remoteId"] = from_id;  // the tutorial client answers to data.remoteId
  } else {
    data.erase("remoteId");
  }
  data["from"] = from_id;
  json::serializer sr;
  std::string out;
  out.reserve(512);
  out.append(R"({"action":)");
  append_json(out, sr, json::string_view(to_string(r.act)));
  out.append(R"(,"from":)");
  append_json(out, sr, json::string_view(from_id));
  out.append(R"(,"data":)");
  append_json(out, sr, &data);
  out.push_back('}');
  return out;
}

std::string forward(const request& r, std::string_view from_id) { return forward(request(r), from_id); }

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
