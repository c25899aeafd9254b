#include "signaling/protocol/message.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {
namespace json = boost::json;
namespace p = switchboard::protocol;

json::object parse_object(const std::string& text) {
  json::value v = json::parse(text);
  EXPECT_TRUE(v.is_object()) << text;
  return v.is_object() ? v.as_object() : json::object{};
}

p::request as_request(p::parse_result r) {
  if (const auto* err = std::get_if<p::parse_error>(&r)) {
    ADD_FAILURE() << "unexpected parse error: " << err->message;
    return {};
  }
  return std::get<p::request>(std::move(r));
}

// Names each parameterised case after its table row.
template <typename Case>
std::string case_name(const ::testing::TestParamInfo<Case>& row) {
  return row.param.name;
}

const std::string tutorial_offer =
    R"({"action":"offer","data":{"remoteId":"B","offer":{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n"}}})";

// ---------------------------------------------------------------- valid input

struct valid_case {
  const char* name;
  std::string text;
  p::action act;
  std::string remote_id;
};

class ParseValid : public ::testing::TestWithParam<valid_case> {};

TEST_P(ParseValid, YieldsRequest) {
  const auto& c = GetParam();
  const p::request req = as_request(p::parse(c.text));
  EXPECT_EQ(req.act, c.act);
  EXPECT_EQ(req.remote_id, c.remote_id);
  EXPECT_FALSE(req.resume.has_value());
  if (!c.remote_id.empty()) {
    EXPECT_EQ(req.data.at("remoteId").as_string(), c.remote_id);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Messages, ParseValid,
    ::testing::Values(
        valid_case{"start", R"({"action":"start"})", p::action::start, ""},
        valid_case{"start_null_data", R"({"action":"start","data":null})", p::action::start, ""},
        valid_case{"start_empty_data", R"({"action":"start","data":{}})", p::action::start, ""},
        valid_case{"start_null_resume", R"({"action":"start","data":{"resume":null}})", p::action::start, ""},
        valid_case{"tutorial_offer", tutorial_offer, p::action::offer, "B"},
        valid_case{"offer_string", R"({"action":"offer","data":{"remoteId":"B","offer":"v=0"}})",
                   p::action::offer, "B"},
        valid_case{"tutorial_answer",
                   R"({"action":"answer","data":{"remoteId":"A","answer":{"type":"answer","sdp":"v=0"}}})",
                   p::action::answer, "A"},
        valid_case{"tutorial_candidate",
                   R"({"action":"iceCandidate","data":{"remoteId":"A","candidate":{"candidate":"candidate:1 1 udp 1 1.2.3.4 5 typ host","sdpMid":"0","sdpMLineIndex":0}}})",
                   p::action::ice_candidate, "A"},
        valid_case{"null_candidate", R"({"action":"iceCandidate","data":{"remoteId":"A","candidate":null}})",
                   p::action::ice_candidate, "A"},
        valid_case{"hangup", R"({"action":"hangup","data":{"remoteId":"A"}})", p::action::hangup, "A"},
        valid_case{"ice_servers", R"({"action":"iceServers"})", p::action::ice_servers, ""},
        valid_case{"ice_servers_ignores_data", R"({"action":"iceServers","data":7})", p::action::ice_servers,
                   ""},
        valid_case{"remote_id_64_chars",
                   R"({"action":"hangup","data":{"remoteId":")" + std::string(64, 'x') + R"("}})",
                   p::action::hangup, std::string(64, 'x')},
        valid_case{"extra_top_level_fields", R"({"action":"hangup","x":1,"data":{"remoteId":"A"}})",
                   p::action::hangup, "A"}),
    case_name<valid_case>);

TEST(Parse, KeepsExtraDataFields) {
  const p::request& req =
      as_request(p::parse(R"({"action":"offer","data":{"remoteId":"B","offer":"v=0","room":"r1","n":[1,2]}})"));
  EXPECT_EQ(req.data.at("room").as_string(), "r1");
  EXPECT_EQ(req.data.at("n").as_array().size(), 2u);
}

TEST(Parse, ReadsResume) {
  const p::request req = as_request(p::parse(R"({"action":"start","data":{"resume":{"id":"abc","token":"tok"}}})"));
  ASSERT_TRUE(req.resume.has_value());
  EXPECT_EQ(req.resume->id, "abc");
  EXPECT_EQ(req.resume->token, "tok");
}

// -------------------------------------------------------------- invalid input

struct invalid_case {
  const char* name;
  std::string text;
  p::error_code code;
  std::string ref;
  std::string message_part;
};

class ParseInvalid : public ::testing::TestWithParam<invalid_case> {};

TEST_P(ParseInvalid, YieldsError) {
  const auto& c = GetParam();
  const auto result = p::parse(c.text);
  const auto* err = std::get_if<p::parse_error>(&result);
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->code, c.code);
  EXPECT_EQ(err->ref, c.ref);
  EXPECT_NE(err->message.find(c.message_part), std::string::npos) << err->message;
  EXPECT_EQ(err->message.find("v=0"), std::string::npos) << "SDP echoed: " << err->message;
}

const std::string long_name(100, 'z');

INSTANTIATE_TEST_SUITE_P(
    Messages, ParseInvalid,
    ::testing::Values(
        invalid_case{"not_json", "{\"action\":", p::error_code::bad_request, "", "not valid JSON"},
        invalid_case{"empty", "", p::error_code::bad_request, "", "not valid JSON"},
        invalid_case{"array", "[1,2]", p::error_code::bad_request, "", "must be a JSON object"},
        invalid_case{"string", "\"start\"", p::error_code::bad_request, "", "must be a JSON object"},
        invalid_case{"no_action", R"({"data":{}})", p::error_code::bad_request, "", "action is missing"},
        invalid_case{"action_number", R"({"action":3})", p::error_code::bad_request, "", "action must be a string"},
        invalid_case{"unknown_action", R"({"action":"dance"})", p::error_code::unknown_action, "dance",
                     "action must be one of"},
        invalid_case{"unknown_action_truncated", R"({"action":")" + long_name + R"("})",
                     p::error_code::unknown_action, std::string(64, 'z'), "action must be one of"},
        invalid_case{"start_data_array", R"({"action":"start","data":[]})", p::error_code::bad_request, "start",
                     "data must be an object"},
        invalid_case{"resume_not_object", R"({"action":"start","data":{"resume":"x"}})",
                     p::error_code::bad_request, "start", "data.resume must be an object"},
        invalid_case{"resume_no_id", R"({"action":"start","data":{"resume":{"token":"t"}}})",
                     p::error_code::bad_request, "start", "data.resume.id must be a non-empty string"},
        invalid_case{"resume_token_number", R"({"action":"start","data":{"resume":{"id":"a","token":5}}})",
                     p::error_code::bad_request, "start", "data.resume.token must be a non-empty string"},
        invalid_case{"offer_no_data", R"({"action":"offer"})", p::error_code::bad_request, "offer",
                     "data must be an object"},
        invalid_case{"offer_data_string", R"({"action":"offer","data":"v=0"})", p::error_code::bad_request,
                     "offer", "data must be an object"},
        invalid_case{"offer_no_remote", R"({"action":"offer","data":{"offer":"v=0"}})",
                     p::error_code::bad_request, "offer", "data.remoteId must be a non-empty string"},
        invalid_case{"offer_empty_remote", R"({"action":"offer","data":{"remoteId":"","offer":"v=0"}})",
                     p::error_code::bad_request, "offer", "data.remoteId must be a non-empty string"},
        invalid_case{"offer_remote_number", R"({"action":"offer","data":{"remoteId":12,"offer":"v=0"}})",
                     p::error_code::bad_request, "offer", "data.remoteId must be a non-empty string"},
        invalid_case{"remote_too_long",
                     R"({"action":"hangup","data":{"remoteId":")" + std::string(65, 'x') + R"("}})",
                     p::error_code::bad_request, "hangup", "data.remoteId must be at most 64 characters"},
        invalid_case{"offer_missing", R"({"action":"offer","data":{"remoteId":"B"}})", p::error_code::bad_request,
                     "offer", "data.offer must be an object or a string"},
        invalid_case{"offer_null", R"({"action":"offer","data":{"remoteId":"B","offer":null}})",
                     p::error_code::bad_request, "offer", "data.offer must be an object or a string"},
        invalid_case{"answer_number", R"({"action":"answer","data":{"remoteId":"B","answer":1}})",
                     p::error_code::bad_request, "answer", "data.answer must be an object or a string"},
        invalid_case{"candidate_missing", R"({"action":"iceCandidate","data":{"remoteId":"B"}})",
                     p::error_code::bad_request, "iceCandidate", "data.candidate must be an object, a string or null"},
        invalid_case{"candidate_bool", R"({"action":"iceCandidate","data":{"remoteId":"B","candidate":true}})",
                     p::error_code::bad_request, "iceCandidate", "data.candidate must be"}),
    case_name<invalid_case>);

TEST(Parse, TruncatedActionStaysValidUtf8) {
  // 63 ASCII bytes then a 2-byte character straddling the 64-byte cut.
  const std::string name = std::string(63, 'a') + "\xC3\xA9" + "tail";
  const auto result = p::parse(R"({"action":")" + name + R"("})");
  const auto* err = std::get_if<p::parse_error>(&result);
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->ref, std::string(63, 'a'));
}

// ---------------------------------------------------------------- names

TEST(Names, ActionsRoundTrip) {
  for (auto a : {p::action::start, p::action::offer, p::action::answer, p::action::ice_candidate,
                 p::action::hangup, p::action::ice_servers}) {
    EXPECT_EQ(p::action_from_string(p::to_string(a)), a);
  }
  EXPECT_EQ(p::to_string(p::action::ice_candidate), "iceCandidate");
  EXPECT_FALSE(p::action_from_string("Start").has_value());
  EXPECT_TRUE(p::is_relayed(p::action::hangup));
  EXPECT_FALSE(p::is_relayed(p::action::ice_servers));
}

TEST(Names, ErrorCodes) {
  EXPECT_EQ(p::to_string(p::error_code::peer_not_found), "peer-not-found");
  EXPECT_EQ(p::to_string(p::error_code::bad_request), "bad-request");
  EXPECT_EQ(p::to_string(p::error_code::unknown_action), "unknown-action");
  EXPECT_EQ(p::to_string(p::error_code::not_started), "not-started");
  EXPECT_EQ(p::to_string(p::error_code::too_large), "too-large");
  EXPECT_EQ(p::to_string(p::error_code::rate_limited), "rate-limited");
  EXPECT_EQ(p::to_string(p::error_code::resume_failed), "resume-failed");
  EXPECT_EQ(p::to_string(p::error_code::queue_full), "queue-full");
  EXPECT_EQ(p::to_string(p::error_code::internal), "internal");
}

// ---------------------------------------------------------------- serialisers

const std::vector<p::ice_server> servers{
    {{"stun:stun.example.org:3478"}, "", ""},
    {{"turn:t.example.org:3478?transport=udp", "turns:t.example.org:5349"}, "1700000000:abc", "secret=="},
};

void expect_servers(const json::value& v) {
  const auto& arr = v.as_array();
  ASSERT_EQ(arr.size(), 2u);
  const auto& stun = arr[0].as_object();
  EXPECT_EQ(stun.at("urls").as_array()[0].as_string(), "stun:stun.example.org:3478");
  EXPECT_FALSE(stun.contains("username"));
  EXPECT_FALSE(stun.contains("credential"));
  const auto& turn = arr[1].as_object();
  EXPECT_EQ(turn.at("urls").as_array().size(), 2u);
  EXPECT_EQ(turn.at("username").as_string(), "1700000000:abc");
  EXPECT_EQ(turn.at("credential").as_string(), "secret==");
}

TEST(Serialise, StartReply) {
  const auto o = parse_object(p::start_reply("ID1", servers, std::chrono::seconds(600), "TOK", false));
  EXPECT_EQ(o.at("action").as_string(), "start");
  EXPECT_EQ(o.at("id").as_string(), "ID1");
  EXPECT_EQ(o.at("ttl").to_number<std::int64_t>(), 600);
  EXPECT_EQ(o.at("resumeToken").as_string(), "TOK");
  EXPECT_FALSE(o.contains("resumed"));
  expect_servers(o.at("iceServers"));
}

TEST(Serialise, StartReplyResumed) {
  const auto o = parse_object(p::start_reply("ID1", {}, std::chrono::seconds(1), "TOK", true));
  EXPECT_EQ(o.at("resumed"), json::value(true));
  EXPECT_TRUE(o.at("iceServers").as_array().empty());
}

TEST(Serialise, IceServersReply) {
  const auto o = parse_object(p::ice_servers_reply(servers, std::chrono::seconds(3600)));
  EXPECT_EQ(o.at("action").as_string(), "iceServers");
  EXPECT_EQ(o.at("ttl").to_number<std::int64_t>(), 3600);
  EXPECT_EQ(o.size(), 3u);
  expect_servers(o.at("iceServers"));
}

TEST(Serialise, ErrorWithAndWithoutRef) {
  auto o = parse_object(p::error_message(p::error_code::peer_not_found, "no such peer", "offer"));
  EXPECT_EQ(o.at("action").as_string(), "error");
  EXPECT_EQ(o.at("code").as_string(), "peer-not-found");
  EXPECT_EQ(o.at("message").as_string(), "no such peer");
  EXPECT_EQ(o.at("ref").as_string(), "offer");
  o = parse_object(p::error_message(p::error_code::bad_request, "x", ""));
  EXPECT_FALSE(o.contains("ref"));
}

TEST(Serialise, PeerLeft) {
  const auto o = parse_object(p::peer_left("ID9"));
  EXPECT_EQ(o.at("action").as_string(), "peerLeft");
  EXPECT_EQ(o.at("id").as_string(), "ID9");
  EXPECT_EQ(o.size(), 2u);
}

// ---------------------------------------------------------------- forward

struct forward_case {
  const char* name;
  std::string text;
  bool keeps_remote_id;  // offer: remoteId becomes the sender
  const char* payload;   // field that must survive unchanged
};

class Forward : public ::testing::TestWithParam<forward_case> {};

TEST_P(Forward, StampsSenderAndRewritesRemoteId) {
  const auto& c = GetParam();
  const p::request req = as_request(p::parse(c.text));
  const auto in = parse_object(c.text).at("data").as_object();
  const auto out = parse_object(p::forward(req, "SENDER"));
  EXPECT_EQ(out.at("action"), parse_object(c.text).at("action"));
  EXPECT_EQ(out.at("from").as_string(), "SENDER");
  const auto& data = out.at("data").as_object();
  EXPECT_EQ(data.at("from").as_string(), "SENDER");
  if (c.keeps_remote_id) {
    EXPECT_EQ(data.at("remoteId").as_string(), "SENDER");
  } else {
    EXPECT_FALSE(data.contains("remoteId"));
  }
  if (*c.payload) {
    EXPECT_EQ(data.at(c.payload), in.at(c.payload));
  }
  EXPECT_EQ(data.at("extra"), in.at("extra"));
}

INSTANTIATE_TEST_SUITE_P(
    Actions, Forward,
    ::testing::Values(
        forward_case{"offer", R"({"action":"offer","data":{"remoteId":"T","offer":{"type":"offer","sdp":"v=0"},"extra":[1]}})",
                     true, "offer"},
        forward_case{"answer", R"({"action":"answer","data":{"remoteId":"T","answer":{"type":"answer","sdp":"v=0"},"extra":{"k":"v"}}})",
                     false, "answer"},
        forward_case{"candidate", R"({"action":"iceCandidate","data":{"remoteId":"T","candidate":{"candidate":"c","sdpMid":"0"},"extra":"e"}})",
                     false, "candidate"},
        forward_case{"null_candidate", R"({"action":"iceCandidate","data":{"remoteId":"T","candidate":null,"extra":null}})",
                     false, "candidate"},
        forward_case{"hangup", R"({"action":"hangup","data":{"remoteId":"T","extra":2}})", false, ""}),
    case_name<forward_case>);

TEST(Forward, SenderCannotSpoofFrom) {
  const std::string text =
      R"({"action":"answer","from":"MALLORY","data":{"remoteId":"T","answer":"v=0","from":"MALLORY"}})";
  const auto out = parse_object(p::forward(as_request(p::parse(text)), "REAL"));
  EXPECT_EQ(out.at("from").as_string(), "REAL");
  EXPECT_EQ(out.at("data").as_object().at("from").as_string(), "REAL");
  EXPECT_EQ(p::forward(as_request(p::parse(text)), "REAL").find("MALLORY"), std::string::npos);
}

}  // namespace

// Forwarded data keeps every client member as written: numbers (which a
// parse tree would rewrite), string escapes and white space inside values.
namespace {

struct fidelity_case {
  const char* name;
  std::string text;
  std::string expected;  // forward(parse(text), "S")
};

class ForwardFidelity : public ::testing::TestWithParam<fidelity_case> {};

TEST_P(ForwardFidelity, KeepsMembersByteForByte) {
  const auto& c = GetParam();
  EXPECT_EQ(p::forward(as_request(p::parse(c.text)), "S"), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ForwardFidelity,
    ::testing::Values(
        fidelity_case{"big_integer_and_decimals",
                      R"({"action":"answer","data":{"remoteId":"T","answer":"a","n":123456789012345678901234567890,"f":1.50,"e":1E2,"z":-0.0}})",
                      R"({"action":"answer","from":"S","data":{"z":-0.0,"answer":"a","n":123456789012345678901234567890,"f":1.50,"e":1E2,"from":"S"}})"},
        fidelity_case{"white_space_and_escapes",
                      "{ \"action\" : \"offer\" ,\n \"data\" : { \"remoteId\" : \"T\" , \"offer\" : { \"sdp\" : \"v=0\\r\\n\" } , \"u\" : \"\\u00e9\" } }",
                      R"({"action":"offer","from":"S","data":{"remoteId":"S","offer":{ "sdp" : "v=0\r\n" },"u":"\u00e9","from":"S"}})"},
        fidelity_case{"duplicate_keys_keep_first_place_last_value",
                      R"({"action":"hangup","data":{"x":1,"remoteId":"T","x":[2,3],"y":0}})",
                      R"({"action":"hangup","from":"S","data":{"x":[2,3],"y":0,"from":"S"}})"},
        fidelity_case{"escaped_key_names_are_recognised",
                      R"({"action":"answer","data":{"remote\u0049d":"T","answer":"a","fr\u006fm":"MALLORY"}})",
                      R"({"action":"answer","from":"S","data":{"fr\u006fm":"S","answer":"a"}})"},
        fidelity_case{"last_data_member_wins",
                      R"({"action":"hangup","data":{"remoteId":"OLD","a":1},"data":{"remoteId":"T","b":2.0}})",
                      R"({"action":"hangup","from":"S","data":{"b":2.0,"from":"S"}})"}),
    case_name<fidelity_case>);

}  // namespace
