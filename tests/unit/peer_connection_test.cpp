#include "signaling/core/peer_connection.hpp"

#include "core_fakes.hpp"

#include <gtest/gtest.h>

namespace switchboard::core::test {
namespace {

connection_limits roomy_limits() {
  connection_limits l;
  l.max_message_bytes = 1024;
  l.rate_per_second = 1000;
  l.burst = 1000;
  return l;
}

// One client connection: its participant and its protocol state.
struct client {
  client(hub_env& env, connection_limits limits = roomy_limits())
      : pc(env.hub_, limits, env.metrics, env.t0) {}

  // Sends one frame and performs the effects; returns (and forgets) all this client has received.
  std::vector<json::object> send(std::string_view text, steady_clock::time_point now, bool binary = false) {
    apply(pc.on_message(conn, text, binary, now), *conn);
    return conn->take();
  }

  std::shared_ptr<fake_participant> conn = std::make_shared<fake_participant>();
  peer_connection pc;
};

TEST(PeerConnection, TutorialExchange) {
  hub_env env;
  client a(env), b(env);
  const auto t = env.t0;
  const auto a_start = a.send(R"({"action":"start"})", t);
  ASSERT_EQ(a_start.size(), 1u);
  EXPECT_EQ(str(a_start[0], "id"), a.pc.id());
  EXPECT_TRUE(a.pc.started());
  b.send(R"({"action":"start"})", t);

  a.send(offer_to(b.pc.id()), t);
  auto got = b.conn->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "action"), "offer");
  EXPECT_EQ(str(got[0].at("data").as_object(), "remoteId"), a.pc.id());

  b.send(answer_to(a.pc.id()), t);
  b.send(R"({"action":"iceCandidate","data":{"remoteId":")" + a.pc.id() + R"(","candidate":null}})", t);
  got = a.conn->take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(str(got[0], "action"), "answer");
  EXPECT_FALSE(got[0].at("data").as_object().contains("remoteId"));
  EXPECT_TRUE(got[1].at("data").as_object().at("candidate").is_null());
  a.send(candidate_to(b.pc.id(), 1), t);
  EXPECT_EQ(str(b.conn->take().at(0), "action"), "iceCandidate");

  a.send(hangup_to(b.pc.id()), t);
  EXPECT_EQ(str(b.conn->take().at(0), "action"), "hangup");
  EXPECT_EQ(env.metrics.messages_in.Value(), 7);
  EXPECT_FALSE(a.conn->closed.has_value());
}

struct error_case {
  const char* name;
  bool start_first;
  std::string payload;
  bool binary;
  protocol::error_code code;
  std::string ref;
  std::string message_part;
};

class PeerConnectionError : public ::testing::TestWithParam<error_case> {};

TEST_P(PeerConnectionError, RepliesOnceAndStaysOpen) {
  const auto& c = GetParam();
  hub_env env;
  client other(env);
  other.send(R"({"action":"start"})", env.t0);
  client x(env);
  if (c.start_first) x.send(R"({"action":"start"})", env.t0);
  const double errors_before = env.metrics.error_sent(c.code).Value();

  const auto got = x.send(c.payload, env.t0, c.binary);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "action"), "error");
  EXPECT_EQ(str(got[0], "code"), protocol::to_string(c.code));
  EXPECT_EQ(str(got[0], "ref"), c.ref);
  EXPECT_NE(str(got[0], "message").find(c.message_part), std::string::npos) << str(got[0], "message");
  EXPECT_EQ(env.metrics.error_sent(c.code).Value(), errors_before + 1);
  EXPECT_TRUE(other.conn->received.empty());
  EXPECT_FALSE(x.conn->closed.has_value());
  EXPECT_EQ(x.pc.started(), c.start_first);
}

using protocol::error_code;
INSTANTIATE_TEST_SUITE_P(
    Cases, PeerConnectionError,
    ::testing::Values(
        error_case{"binary", false, R"({"action":"start"})", true, error_code::bad_request, "",
                   "binary frames are not supported"},
        error_case{"too_large", true, std::string(1025, ' '), false, error_code::too_large, "",
                   "message is 1025 bytes; the limit is 1024"},
        error_case{"not_json", false, "hello", false, error_code::bad_request, "", "not valid JSON"},
        error_case{"unknown_action", true, R"({"action":"join"})", false, error_code::unknown_action, "join",
                   "action must be one of"},
        error_case{"bad_field", true, R"({"action":"offer","data":{"remoteId":"x"}})", false,
                   error_code::bad_request, "offer", "data.offer must be"},
        error_case{"offer_before_start", false, offer_to("peer-1"), false, error_code::not_started, "offer",
                   "send start before offer"},
        error_case{"ice_servers_before_start", false, R"({"action":"iceServers"})", false,
                   error_code::not_started, "iceServers", "send start before iceServers"},
        error_case{"start_twice", true, R"({"action":"start"})", false, error_code::bad_request, "start",
                   "already started"},
        error_case{"peer_not_found", true, answer_to("nobody"), false, error_code::peer_not_found, "answer",
                   "names no connected peer"},
        error_case{"resume_failed", false, R"({"action":"start","data":{"resume":{"id":"ghost","token":"t"}}})",
                   false, error_code::resume_failed, "start", "unknown peer id"}),
    [](const ::testing::TestParamInfo<error_case>& row) { return std::string(row.param.name); });

TEST(PeerConnection, FailedResumeLeavesConnectionFreeToStart) {
  hub_env env;
  client x(env);
  x.send(R"({"action":"start","data":{"resume":{"id":"ghost","token":"t"}}})", env.t0);
  EXPECT_FALSE(x.pc.started());
  const auto got = x.send(R"({"action":"start"})", env.t0);
  EXPECT_EQ(str(got.at(0), "action"), "start");
  EXPECT_TRUE(x.pc.started());
}

TEST(PeerConnection, IceServersAfterStart) {
  hub_env env;
  client x(env);
  x.send(R"({"action":"start"})", env.t0);
  const auto got = x.send(R"({"action":"iceServers"})", env.t0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "action"), "iceServers");
  EXPECT_EQ(got[0].at("iceServers").as_array().size(), 1u);
  EXPECT_EQ(env.metrics.credentials_issued.Value(), 2);
}

TEST(PeerConnection, RateLimitSendsOneErrorPerEpisode) {
  hub_env env;
  connection_limits limits = roomy_limits();
  limits.rate_per_second = 1;
  limits.burst = 2;
  client x(env, limits);
  const std::string ice = R"({"action":"iceServers"})";
  EXPECT_EQ(x.send(R"({"action":"start"})", env.t0).size(), 1u);
  EXPECT_EQ(str(x.send(ice, env.t0).at(0), "action"), "iceServers");
  const auto limited = x.send(ice, env.t0);
  ASSERT_EQ(limited.size(), 1u);
  EXPECT_EQ(str(limited[0], "code"), "rate-limited");
  EXPECT_TRUE(x.send(ice, env.t0 + 100ms).empty());  // same episode: dropped silently
  EXPECT_TRUE(x.send(ice, env.t0 + 500ms).empty());
  EXPECT_EQ(str(x.send(ice, env.t0 + 1100ms).at(0), "action"), "iceServers");  // refilled
  EXPECT_EQ(str(x.send(ice, env.t0 + 1200ms).at(0), "code"), "rate-limited");  // a new episode
  EXPECT_EQ(env.metrics.error_sent(error_code::rate_limited).Value(), 2);
  EXPECT_EQ(env.metrics.messages_in.Value(), 7);
  EXPECT_FALSE(x.conn->closed.has_value());
}

TEST(PeerConnection, CountsMessagesAndBytes) {
  hub_env env;
  client x(env);
  x.send(R"({"action":"start"})", env.t0);  // 18 bytes
  x.send("junk", env.t0, true);             // 4 bytes, binary: counted all the same
  EXPECT_EQ(env.metrics.messages_in.Value(), 2);
  EXPECT_EQ(env.metrics.bytes_in.Value(), 22);
}

struct close_case {
  const char* name;
  bool goodbye;
  std::size_t peers_after;
  double detached_after;
  std::size_t contact_messages;  // peerLeft at once only on goodbye
};

class PeerConnectionClose : public ::testing::TestWithParam<close_case> {};

TEST_P(PeerConnectionClose, LeavesOrDetaches) {
  const auto& c = GetParam();
  hub_env env;
  client a(env), b(env);
  a.send(R"({"action":"start"})", env.t0);
  b.send(R"({"action":"start"})", env.t0);
  a.send(offer_to(b.pc.id()), env.t0);
  b.conn->take();
  apply(a.pc.on_close(a.conn.get(), c.goodbye, env.t0), *a.conn);
  EXPECT_EQ(env.hub_.peer_count(), c.peers_after);
  EXPECT_EQ(env.metrics.peers_detached.Value(), c.detached_after);
  const auto got = b.conn->take();
  ASSERT_EQ(got.size(), c.contact_messages);
  if (!got.empty()) {
    EXPECT_EQ(str(got[0], "action"), "peerLeft");
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, PeerConnectionClose,
                         ::testing::Values(close_case{"goodbye", true, 1, 0, 1},
                                           close_case{"dropped", false, 2, 1, 0}),
                         [](const ::testing::TestParamInfo<close_case>& row) { return std::string(row.param.name); });

// A connection keeps its own and its last target's records between relays
// (hub::relay_route). Switching targets, and a target that left and whose id
// a new peer took, must reach whoever holds the id now, never the old record.
TEST(PeerConnection, RelaysReachWhoeverHoldsTheIdNow) {
  hub_env env;
  client a(env), b(env), c(env);
  const auto t = env.t0;
  a.send(R"({"action":"start"})", t);
  b.send(R"({"action":"start"})", t);
  c.send(R"({"action":"start"})", t);
  const std::string b_id = b.pc.id();

  a.send(offer_to(b_id), t);
  a.send(offer_to(c.pc.id()), t);
  a.send(candidate_to(b_id, 1), t);
  EXPECT_EQ(b.conn->take().size(), 2u);
  EXPECT_EQ(c.conn->take().size(), 1u);

  apply(b.pc.on_close(b.conn.get(), true, t), *b.conn);
  EXPECT_EQ(str(a.conn->take().at(0), "action"), "peerLeft");
  const auto gone = a.send(candidate_to(b_id, 2), t);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(str(gone[0], "action"), "error");

  env.sources.forced_ids.push_back(b_id);
  client b2(env);
  b2.send(R"({"action":"start"})", t);
  ASSERT_EQ(b2.pc.id(), b_id);
  EXPECT_TRUE(a.send(offer_to(b_id), t).empty());
  const auto got = b2.conn->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0].at("data").as_object(), "remoteId"), a.pc.id());
  EXPECT_TRUE(b.conn->take().empty());

  // The sender's own record: gone with its goodbye, a relay from it is refused.
  apply(a.pc.on_close(a.conn.get(), true, t), *a.conn);
  a.conn->take();
  const auto refused = a.send(candidate_to(b_id, 4), t);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(str(refused[0], "action"), "error");
  EXPECT_TRUE(b2.conn->take().size() <= 1u);  // at most a's peerLeft
}

TEST(PeerConnection, CloseBeforeStartDoesNothing) {
  hub_env env;
  client x(env);
  const auto fx = x.pc.on_close(x.conn.get(), false, env.t0);
  EXPECT_TRUE(fx.to_self.empty());
  EXPECT_TRUE(fx.deliveries.empty());
  EXPECT_EQ(env.metrics.peers_detached.Value(), 0);
}

}  // namespace
}  // namespace switchboard::core::test
