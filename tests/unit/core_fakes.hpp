#pragma once
// Fakes shared by the core tests: a participant that records what it is
// sent, deterministic ID/token/credential sources, and a hub reporting to
// signaling_metrics on a private Prometheus registry, so the values the core
// reports through core::signaling_events can be read back as exported.

#include "signaling/core/hub.hpp"
#include "signaling/core/peer_registry.hpp"
#include "signaling/metrics/metrics.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::core::test {

namespace json = boost::json;
using namespace std::chrono_literals;

inline json::object to_json(const outbound_ptr& msg) {
  json::value v = json::parse(msg->text);
  EXPECT_TRUE(v.is_object()) << msg->text;
  return v.is_object() ? v.as_object() : json::object{};
}

inline std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

class fake_participant : public participant {
public:
  void deliver(outbound_ptr msg) override { received.push_back(std::move(msg)); }
  void close(close_code code) override { closed = code; }
  void started(const std::string& id) override { started_as = id; }

  // Returns and forgets everything received so far, as JSON.
  std::vector<json::object> take() {
    std::vector<json::object> out;
    for (const auto& m : received) out.push_back(to_json(m));
    received.clear();
    return out;
  }

  std::vector<outbound_ptr> received;
  std::optional<close_code> closed;
  std::string started_as;  // participant::started (a resume completed later)
};

// Performs effects the way the network layer does, with `self` as the caller.
inline void apply(const effects& fx, participant& self) {
  for (const auto& m : fx.to_self) self.deliver(m);
  for (const auto& d : fx.deliveries) d.to->deliver(d.msg);
  for (const auto& p : fx.to_close) p->close(close_code::replaced);
  for (const auto& next : fx.then) apply(next(), self);
}

// Deterministic sources: "peer-1", "peer-2"... unless ids are forced.
struct fake_sources {
  int next_id = 0;
  int next_token = 0;
  std::deque<std::string> forced_ids;
  std::string prefix;  // several hubs in one test: distinct ids and tokens

  hub_sources make() {
    hub_sources s;
    s.ice_servers = [](std::string_view id) {
      return std::vector<protocol::ice_server>{{{"turn:turn.test:3478"}, "user-" + std::string(id), "pw"}};
    };
    s.ttl = [] { return std::chrono::seconds(600); };
    s.new_peer_id = [this] {
      if (forced_ids.empty()) return prefix + "peer-" + std::to_string(++next_id);
      std::string id = forced_ids.front();
      forced_ids.pop_front();
      return id;
    };
    s.new_token = [this] { return prefix + "token-" + std::to_string(++next_token); };
    return s;
  }
};

inline hub_config test_hub_config() {
  hub_config cfg;
  cfg.resume_grace = 30s;
  cfg.max_queued_messages = 4;
  cfg.max_queued_bytes = 64 * 1024;
  // Every test peer comes from one address: per-address limits off unless a test sets them.
  cfg.addresses = {1000000, 1e9, 1e9};
  return cfg;
}

// One hub with its metrics; `t0` is the test's clock origin.
struct hub_env {
  explicit hub_env(hub_config cfg = test_hub_config())
      : hub_(cfg, make_memory_registry(), sources.make(), metrics) {}

  prometheus::Registry registry;
  metrics::signaling_metrics metrics{registry};
  fake_sources sources;
  hub hub_;
  steady_clock::time_point t0 = steady_clock::time_point{} + 1h;
};

// A started peer as a test sees it.
struct peer {
  std::shared_ptr<fake_participant> conn = std::make_shared<fake_participant>();
  std::string id;
  std::string token;
};

inline peer start_peer(hub& h, steady_clock::time_point now) {
  peer p;
  auto r = h.start(p.conn, std::nullopt, now);
  apply(r.fx, *p.conn);
  p.id = r.id;
  auto msgs = p.conn->take();
  EXPECT_EQ(msgs.size(), 1u);
  if (!msgs.empty()) p.token = str(msgs[0], "resumeToken");
  return p;
}

// Resumes `id` on a fresh connection; returns it with everything it received.
inline peer resume_peer(hub& h, const std::string& id, const std::string& token, steady_clock::time_point now) {
  peer p;
  auto r = h.start(p.conn, protocol::resume_request{id, token}, now);
  apply(r.fx, *p.conn);
  p.id = r.id;
  return p;
}

inline protocol::request req_of(const std::string& text) {
  auto parsed = protocol::parse(text);
  EXPECT_TRUE(std::holds_alternative<protocol::request>(parsed)) << text;
  return std::holds_alternative<protocol::request>(parsed) ? std::get<protocol::request>(parsed)
                                                           : protocol::request{};
}

inline std::string offer_to(const std::string& id) {
  return R"({"action":"offer","data":{"remoteId":")" + id + R"(","offer":{"type":"offer","sdp":"v=0"}}})";
}
inline std::string answer_to(const std::string& id) {
  return R"({"action":"answer","data":{"remoteId":")" + id + R"(","answer":{"type":"answer","sdp":"v=0"}}})";
}
inline std::string candidate_to(const std::string& id, int n) {
  return R"({"action":"iceCandidate","data":{"remoteId":")" + id + R"(","candidate":{"candidate":"c)" +
         std::to_string(n) + R"(","sdpMid":"0"}}})";
}
inline std::string hangup_to(const std::string& id) { return R"({"action":"hangup","data":{"remoteId":")" + id + R"("}})"; }

inline void send(hub& h, peer& from, const std::string& text, steady_clock::time_point at) {
  apply(h.relay(from.id, req_of(text), at), *from.conn);
}

}  // namespace switchboard::core::test
