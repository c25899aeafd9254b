#include "tests/integration/signaling_helpers.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace switchboard::test {

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "expected a JSON object, got: " << text.substr(0, 300);
    return std::nullopt;
  }
  return std::move(v.as_object());
}

std::string to_text(const json::value& v) { return json::serialize(v); }

std::optional<json::object> read_json(ws_client& ws, deadline until) {
  const auto text = ws.read(until);
  if (!text) return std::nullopt;
  return parse_object(*text);
}

std::optional<json::object> expect_action(ws_client& ws, std::string_view action, deadline until) {
  auto msg = read_json(ws, until);
  if (!msg) {
    ADD_FAILURE() << "no '" << action << "' message arrived (" << ws.last_error() << ")";
    return std::nullopt;
  }
  if (str(*msg, "action") != action) {
    ADD_FAILURE() << "expected action '" << action << "', got " << to_text(*msg);
    return std::nullopt;
  }
  return msg;
}

std::optional<json::object> expect_error(ws_client& ws, std::string_view code,
                                         std::optional<std::string_view> ref, deadline until) {
  auto msg = expect_action(ws, "error", until);
  if (!msg) return std::nullopt;
  EXPECT_EQ(str(*msg, "code"), code) << to_text(*msg);
  EXPECT_FALSE(str(*msg, "message").empty()) << "error without message: " << to_text(*msg);
  if (ref) {
    EXPECT_EQ(str(*msg, "ref"), *ref) << to_text(*msg);
  }
  return msg;
}

std::optional<json::object> skip_until_action(ws_client& ws, std::string_view action, deadline until) {
  while (auto msg = read_json(ws, until)) {
    if (str(*msg, "action") == action) return msg;
  }
  ADD_FAILURE() << "no '" << action << "' message arrived (" << ws.last_error() << ")";
  return std::nullopt;
}

bool stays_quiet(ws_client& ws, std::chrono::milliseconds quiet) {
  const auto text = ws.read(clock::now() + quiet);
  if (text) ADD_FAILURE() << "unexpected message: " << *text;
  return !text;
}

std::string str(const json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<json::object> send_start(ws_client& ws) {
  if (!ws.send_text(R"({"action":"start"})")) {
    ADD_FAILURE() << "sending start failed: " << ws.last_error();
    return std::nullopt;
  }
  return expect_action(ws, "start");
}

peer start_peer(const server_fixture& server, const std::string& path) {
  peer p;
  p.ws = server.connect(path);
  if (!p.ws.is_open()) return p;
  if (auto reply = send_start(p.ws)) {
    p.id = str(*reply, "id");
    p.token = str(*reply, "resumeToken");
    p.start_reply = std::move(*reply);
  }
  if (p.id.empty()) ADD_FAILURE() << "start gave no id";
  return p;
}

std::string resume_message(std::string_view id, std::string_view token) {
  json::object resume{{"id", id}, {"token", token}};
  json::object msg{{"action", "start"}, {"data", json::object{{"resume", resume}}}};
  return json::serialize(msg);
}

json::object sample_offer(std::string_view sdp) { return {{"type", "offer"}, {"sdp", sdp}}; }
json::object sample_answer(std::string_view sdp) { return {{"type", "answer"}, {"sdp", sdp}}; }
json::object sample_candidate(std::string_view candidate, int mline) {
  return {{"candidate", candidate}, {"sdpMid", std::to_string(mline)}, {"sdpMLineIndex", mline}};
}

namespace {
std::string relayed(std::string_view action, std::string_view remote_id, std::string_view field,
                    json::value payload) {
  json::object data{{"remoteId", remote_id}};
  if (!field.empty()) data[field] = std::move(payload);
  return json::serialize(json::object{{"action", action}, {"data", std::move(data)}});
}
}  // namespace

std::string offer_message(std::string_view remote_id, std::string_view sdp) {
  return relayed("offer", remote_id, "offer", sample_offer(sdp));
}
std::string answer_message(std::string_view remote_id, std::string_view sdp) {
  return relayed("answer", remote_id, "answer", sample_answer(sdp));
}
std::string candidate_message(std::string_view remote_id, std::string_view candidate, int mline) {
  return relayed("iceCandidate", remote_id, "candidate", sample_candidate(candidate, mline));
}
std::string hangup_message(std::string_view remote_id) { return relayed("hangup", remote_id, "", nullptr); }

void exchange_offer_answer(peer& a, peer& b) {
  ASSERT_TRUE(a.ws.send_text(offer_message(b.id, "v=0 offer")));
  auto offer = expect_action(b.ws, "offer");
  ASSERT_TRUE(offer);
  EXPECT_EQ(str(*offer, "from"), a.id);
  ASSERT_TRUE(b.ws.send_text(answer_message(a.id, "v=0 answer")));
  auto answer = expect_action(a.ws, "answer");
  ASSERT_TRUE(answer);
  EXPECT_EQ(str(*answer, "from"), b.id);
}

}  // namespace switchboard::test
