// auth.mode jwt in the core: the gate (verdicts, the per-address budget of
// failed authentications), peer_connection's rules before and at start, and
// the hub's rooms, per-identity limit and fromIdentity stamping.
#include "signaling/core/auth_gate.hpp"
#include "signaling/core/peer_connection.hpp"

#include "core_fakes.hpp"

#include <gtest/gtest.h>

namespace switchboard::core::test {
namespace {

// Tokens are "ok:<sub>[:<room>]"; anything else fails as a bad signature.
struct fake_verifier {
  int calls = 0;
  token_verifier make() {
    return [this](std::string_view token) -> token_verdict {
      ++calls;
      if (!token.starts_with("ok:")) return {std::nullopt, "bad_signature", "signature does not verify"};
      const auto rest = token.substr(3);
      const auto colon = rest.find(':');
      if (colon == std::string_view::npos) return {peer_identity{std::string(rest), std::nullopt}, {}, {}};
      return {peer_identity{std::string(rest.substr(0, colon)), std::string(rest.substr(colon + 1))}, {}, {}};
    };
  }
};

struct auth_env : hub_env {
  explicit auth_env(hub_config cfg = test_hub_config(), auth_gate_config g = {true, 1, 3})
      : hub_env(cfg), gate(g, verifier.make(), metrics) {}
  fake_verifier verifier;
  auth_gate gate;
};

struct client {
  client(auth_env& env, std::string address = "192.0.2.1")
      : pc(env.hub_, {1024, 1000, 1000}, env.metrics, env.t0, std::move(address), &env.gate) {}
  std::vector<json::object> send(std::string_view text, steady_clock::time_point now) {
    apply(pc.on_message(conn, text, false, now), *conn);
    return conn->take();
  }
  std::vector<json::object> start(const std::string& token, steady_clock::time_point now) {
    return send(R"({"action":"start","data":{"token":")" + token + R"("}})", now);
  }
  std::shared_ptr<fake_participant> conn = std::make_shared<fake_participant>();
  peer_connection pc;
};

double counter(prometheus::Counter& c) { return c.Value(); }

TEST(AuthGate, VerdictsAndMetrics) {
  auth_env env;
  const auto ok = env.gate.check("ok:alice:r1", "a", env.t0);
  ASSERT_TRUE(ok.who);
  EXPECT_EQ(ok.who->subject, "alice");
  EXPECT_EQ(ok.who->room, "r1");
  const auto bad = env.gate.check("forged", "a", env.t0);
  EXPECT_FALSE(bad.who);
  EXPECT_EQ(bad.code, protocol::error_code::unauthorized);
  EXPECT_EQ(bad.reason, "bad_signature");
  const auto none = env.gate.check("", "a", env.t0);
  EXPECT_EQ(none.reason, "missing_token");
  EXPECT_EQ(counter(env.metrics.auth_successes), 1);
  EXPECT_EQ(counter(env.metrics.auth_failures("bad_signature")), 1);
  EXPECT_EQ(counter(env.metrics.auth_failures("missing_token")), 1);
  EXPECT_EQ(counter(env.metrics.auth_failures("no-such-reason")), 0);  // "other"
}

TEST(AuthGate, FailuresPerAddressAreThrottledWithoutVerifying) {
  auth_env env;  // 1 per second, burst 3
  for (int i = 0; i < 3; ++i) EXPECT_EQ(env.gate.check("bad", "a", env.t0).code, protocol::error_code::unauthorized);
  EXPECT_EQ(env.verifier.calls, 3);
  const auto limited = env.gate.check("ok:alice", "a", env.t0);
  EXPECT_FALSE(limited.who);  // even a good token waits: the budget is per address
  EXPECT_EQ(limited.code, protocol::error_code::rate_limited);
  EXPECT_EQ(env.verifier.calls, 3);
  EXPECT_EQ(counter(env.metrics.auth_failures("throttled")), 1);
  EXPECT_TRUE(env.gate.check("ok:alice", "b", env.t0).who);  // another address is not affected
  EXPECT_TRUE(env.gate.check("ok:alice", "a", env.t0 + 1s).who);  // one token back after a second
}

TEST(AuthGate, SuccessesSpendNothingAndSweepForgets) {
  auth_env env;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(env.gate.check("ok:alice", "a", env.t0).who);
  EXPECT_EQ(env.gate.tracked_addresses(), 0u);
  (void)env.gate.check("bad", "a", env.t0);
  EXPECT_EQ(env.gate.tracked_addresses(), 1u);
  env.gate.sweep(env.t0 + 1s);
  EXPECT_EQ(env.gate.tracked_addresses(), 1u);  // refilling: 3 tokens take 3 s
  env.gate.sweep(env.t0 + 3s);
  EXPECT_EQ(env.gate.tracked_addresses(), 0u);
}

TEST(AuthConnection, EverythingBeforeStartIsUnauthorized) {
  auth_env env;
  client c(env);
  for (const char* msg : {R"({"action":"iceServers"})", R"({"action":"offer","data":{"remoteId":"x","offer":{}}})"}) {
    const auto out = c.send(msg, env.t0);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(str(out[0], "code"), "unauthorized") << msg;
  }
  EXPECT_FALSE(c.pc.started());
}

TEST(AuthConnection, FailedStartCanBeRetriedOnTheSameConnection) {
  auth_env env;
  client c(env);
  auto out = c.send(R"({"action":"start"})", env.t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(str(out[0], "code"), "unauthorized");
  EXPECT_EQ(str(out[0], "ref"), "start");
  EXPECT_NE(str(out[0], "message").find("token"), std::string::npos);
  out = c.start("expired-token", env.t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(str(out[0], "message"), "signature does not verify");
  const auto failure = c.pc.take_auth_failure();
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->reason, "bad_signature");
  EXPECT_FALSE(c.pc.take_auth_failure());
  out = c.start("ok:alice", env.t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(str(out[0], "action"), "start");
  ASSERT_TRUE(c.pc.identity());
  EXPECT_EQ(c.pc.identity()->subject, "alice");
}

TEST(AuthConnection, QueryTokenIsUsedWhenStartHasNone) {
  auth_env env;
  client c(env);
  c.pc.set_query_token("ok:bob");
  const auto out = c.send(R"({"action":"start"})", env.t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(str(out[0], "action"), "start");
}

TEST(AuthConnection, ResumeNeedsNoToken) {
  auth_env env;
  client a(env);
  const auto started = a.start("ok:alice", env.t0);
  ASSERT_EQ(started.size(), 1u);
  const auto id = a.pc.id();
  apply(a.pc.on_close(a.conn.get(), false, env.t0), *a.conn);
  client again(env);
  const auto out = again.send(R"({"action":"start","data":{"resume":{"id":")" + id + R"(","token":")" +
                                  str(started[0], "resumeToken") + R"("}}})",
                              env.t0 + 1s);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(str(out[0], "id"), id);
  EXPECT_EQ(env.verifier.calls, 1);
}

TEST(AuthHub, RoomsConfineWhoReachesWhom) {
  auth_env env;
  client a(env), b(env), c(env), d(env);
  (void)a.start("ok:alice:red", env.t0);
  (void)b.start("ok:bob:red", env.t0);
  (void)c.start("ok:carol:blue", env.t0);
  (void)d.start("ok:dave", env.t0);
  const auto offer = [](const std::string& to) {
    return R"({"action":"offer","data":{"remoteId":")" + to + R"(","offer":{"type":"offer","sdp":"v=0"}}})";
  };
  EXPECT_TRUE(a.send(offer(b.pc.id()), env.t0).empty());  // same room: delivered
  ASSERT_EQ(b.conn->received.size(), 1u);
  for (auto* target : {&c, &d}) {
    const auto out = a.send(offer(target->pc.id()), env.t0);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(str(out[0], "code"), "peer-not-found");
    EXPECT_EQ(str(out[0], "message"), "data.remoteId names no connected peer");  // as if it did not exist
    EXPECT_TRUE(target->conn->received.empty());
  }
  const auto out = d.send(offer(c.pc.id()), env.t0);  // room-less to a room
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(str(out[0], "code"), "peer-not-found");
}

TEST(AuthHub, OffersCarryTheCallersIdentity) {
  auth_env env;
  client a(env), b(env);
  (void)a.start("ok:alice", env.t0);
  (void)b.start("ok:bob", env.t0);
  // The fast path (plain shape) and the parse-tree path (an escape) must agree.
  for (const std::string sdp : {"v=0", "v=0\\r\\n"}) {
    (void)a.send(R"({"action":"offer","data":{"remoteId":")" + b.pc.id() +
                     R"(","fromIdentity":"mallory","offer":{"type":"offer","sdp":")" + sdp + R"("}}})",
                 env.t0);
    auto got = b.conn->take();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(str(got[0], "fromIdentity"), "alice");
    EXPECT_EQ(str(got[0], "from"), a.pc.id());
    EXPECT_EQ(str(got[0]["data"].as_object(), "fromIdentity"), "alice");  // never the sender's word
  }
  (void)b.send(R"({"action":"answer","data":{"remoteId":")" + a.pc.id() + R"(","answer":{"type":"answer"}}})",
               env.t0);
  auto got = a.conn->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].contains("fromIdentity"));  // offers only
}

TEST(AuthHub, PeersPerIdentityAreLimitedAndFreedOnLeave) {
  hub_config cfg = test_hub_config();
  cfg.max_per_identity = 2;
  auth_env env(cfg);
  client a1(env), a2(env), a3(env), b(env);
  (void)a1.start("ok:alice", env.t0);
  (void)a2.start("ok:alice", env.t0);
  auto out = a3.start("ok:alice", env.t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(str(out[0], "code"), "rate-limited");
  EXPECT_NE(str(out[0], "message").find("identity"), std::string::npos);
  EXPECT_EQ(counter(env.metrics.peers_refused(peer_refusal::max_per_identity)), 1);
  EXPECT_EQ(str(b.start("ok:bob", env.t0)[0], "action"), "start");  // others are not affected
  apply(a1.pc.on_close(a1.conn.get(), true, env.t0), *a1.conn);     // a goodbye: leaves at once
  out = a3.start("ok:alice", env.t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(str(out[0], "action"), "start");
}

}  // namespace
}  // namespace switchboard::core::test
