// Malformed input, one case per row. For each: the exact error code (and ref
// where the action could be read), the same connection still works
// afterwards, and an unrelated established pair keeps exchanging messages.

#include "tests/integration/signaling_helpers.hpp"

#include <gtest/gtest.h>

#include <ostream>

namespace switchboard::test {
namespace {

// "@B@" in a payload is replaced by the id of a started peer, "@SELF@" by the sender's own.
struct bad_input {
  const char* name;
  std::string payload;
  bool binary = false;
  bool started = true;  // whether the sending connection has started first
  const char* code;
  std::optional<std::string> ref = std::nullopt;  // expected ref, when the action is readable
};

void PrintTo(const bad_input& c, std::ostream* os) { *os << c.name; }

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string substitute(std::string text, std::string_view from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from)) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

const bad_input cases[] = {
    {"not_json", "hello there", false, true, "bad-request"},
    {"truncated_json", R"({"action":"offer")", false, true, "bad-request"},
    {"json_array", R"([{"action":"start"}])", false, true, "bad-request"},
    {"json_number", "42", false, true, "bad-request"},
    {"json_string", R"("start")", false, true, "bad-request"},
    {"json_null", "null", false, true, "bad-request"},
    {"empty_text", "", false, true, "bad-request"},
    {"missing_action", R"({"data":{"remoteId":"@B@"}})", false, true, "bad-request"},
    {"action_number", R"({"action":7})", false, true, "bad-request"},
    {"action_null", R"({"action":null})", false, true, "bad-request"},
    {"action_object", R"({"action":{"name":"offer"}})", false, true, "bad-request"},
    {"unknown_action", R"({"action":"dance"})", false, true, "unknown-action", "dance"},
    {"action_wrong_case", R"({"action":"OFFER","data":{"remoteId":"@B@","offer":{}}})", false, true,
     "unknown-action", "OFFER"},
    {"offer_without_data", R"({"action":"offer"})", false, true, "bad-request", "offer"},
    {"data_not_object", R"({"action":"offer","data":"@B@"})", false, true, "bad-request", "offer"},
    {"data_array", R"({"action":"answer","data":["@B@"]})", false, true, "bad-request", "answer"},
    {"offer_without_remote_id", R"({"action":"offer","data":{"offer":{"type":"offer","sdp":"v=0"}}})", false,
     true, "bad-request", "offer"},
    {"remote_id_number", R"({"action":"offer","data":{"remoteId":12,"offer":{"sdp":"v=0"}}})", false, true,
     "bad-request", "offer"},
    {"remote_id_empty", R"({"action":"offer","data":{"remoteId":"","offer":{"sdp":"v=0"}}})", false, true,
     "bad-request", "offer"},
    {"offer_missing_offer", R"({"action":"offer","data":{"remoteId":"@B@"}})", false, true, "bad-request",
     "offer"},
    {"offer_is_number", R"({"action":"offer","data":{"remoteId":"@B@","offer":5}})", false, true, "bad-request",
     "offer"},
    {"answer_missing_answer", R"({"action":"answer","data":{"remoteId":"@B@"}})", false, true, "bad-request",
     "answer"},
    {"candidate_without_remote_id", R"({"action":"iceCandidate","data":{"candidate":"candidate:1"}})", false,
     true, "bad-request", "iceCandidate"},
    {"candidate_is_number", R"({"action":"iceCandidate","data":{"remoteId":"@B@","candidate":3}})", false, true,
     "bad-request", "iceCandidate"},
    {"hangup_remote_id_array", R"({"action":"hangup","data":{"remoteId":["@B@"]}})", false, true, "bad-request",
     "hangup"},
    {"deeply_nested_json", nested_arrays(1500), false, true, "bad-request"},
    {"binary_frame", R"({"action":"iceServers"})", true, true, "bad-request"},
    {"oversize_message",
     R"({"action":"offer","data":{"remoteId":"@B@","offer":")" + std::string(5000, 'z') + R"("}})", false, true,
     "too-large"},
    {"relay_before_start", R"({"action":"offer","data":{"remoteId":"@B@","offer":{"sdp":"v=0"}}})", false,
     false, "not-started", "offer"},
    {"hangup_before_start", R"({"action":"hangup","data":{"remoteId":"@B@"}})", false, false, "not-started",
     "hangup"},
    {"ice_servers_before_start", R"({"action":"iceServers"})", false, false, "not-started", "iceServers"},
    {"resume_not_object", R"({"action":"start","data":{"resume":"@B@"}})", false, false, "bad-request",
     "start"},
    {"resume_id_number", R"({"action":"start","data":{"resume":{"id":1,"token":"t"}}})", false, false,
     "bad-request", "start"},
    {"resume_missing_token", R"({"action":"start","data":{"resume":{"id":"@B@"}}})", false, false,
     "bad-request", "start"},
    {"remote_id_over_64_chars",
     R"({"action":"offer","data":{"remoteId":")" + std::string(65, 'A') + R"(","offer":{"sdp":"v=0"}}})", false,
     true, "bad-request", "offer"},
    {"remote_id_is_self", R"({"action":"offer","data":{"remoteId":"@SELF@","offer":{"sdp":"v=0"}}})", false,
     true, "bad-request", "offer"},
    {"start_twice", R"({"action":"start"})", false, true, "bad-request", "start"},
    {"long_unknown_action_ref_is_cut", R"({"action":")" + std::string(100, 'q') + R"("})", false, true,
     "unknown-action", std::string(64, 'q')},
    {"unknown_target",
     R"({"action":"offer","data":{"remoteId":"ZZZZZZZZZZZZZZZZZZZZZ","offer":{"sdp":"v=0"}}})", false, true,
     "peer-not-found", "offer"},
};

class bad_input_test : public ::testing::TestWithParam<bad_input> {};

TEST_P(bad_input_test, error_then_connection_and_others_still_work) {
  const bad_input& c = GetParam();
  server_fixture server(with_sets({"server.max_message_bytes=4096"}));
  auto target = start_peer(server);       // what "@B@" names
  auto bystander_a = start_peer(server);  // an unrelated pair that must not notice
  auto bystander_b = start_peer(server);
  ws_client sender = server.connect();
  std::string sender_id;
  if (c.started) {
    auto reply = send_start(sender);
    ASSERT_TRUE(reply);
    sender_id = str(*reply, "id");
  }

  const auto payload = substitute(substitute(c.payload, "@B@", target.id), "@SELF@", sender_id);
  ASSERT_TRUE(c.binary ? sender.send_binary(payload) : sender.send_text(payload)) << sender.last_error();
  const auto error =
      c.ref ? expect_error(sender, c.code, std::string_view(*c.ref)) : expect_error(sender, c.code);
  ASSERT_TRUE(error);
  ASSERT_TRUE(sender.is_open()) << "an error must not close the connection";

  // The same connection still works: a valid message after the bad one.
  if (c.started) {
    ASSERT_TRUE(sender.send_text(offer_message(target.id, "v=0 after-bad-input")));
    auto offer = expect_action(target.ws, "offer");
    ASSERT_TRUE(offer);
    EXPECT_EQ(str(*offer, "from"), sender_id);
  } else {
    EXPECT_TRUE(send_start(sender));
    EXPECT_TRUE(stays_quiet(target.ws, 100ms)) << "nothing may reach the target";
  }

  // Another established pair still exchanges messages.
  exchange_offer_answer(bystander_a, bystander_b);
}

std::string case_name(const ::testing::TestParamInfo<bad_input>& p) { return p.param.name; }

INSTANTIATE_TEST_SUITE_P(table, bad_input_test, ::testing::ValuesIn(cases), case_name);

}  // namespace
}  // namespace switchboard::test
