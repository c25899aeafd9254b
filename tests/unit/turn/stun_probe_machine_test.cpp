// turn_probe_machine against a fake TURN server built on the codec: one table
// of server behaviours and the outcome each must produce. The machine is
// stepped by hand; time is a fake clock that only moves to the deadlines the
// machine asks for.

#include "turn/stun/attributes.hpp"
#include "turn/stun/integrity.hpp"
#include "turn/stun/probe_machine.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>

namespace {

using namespace switchboard::stun;
using namespace std::chrono_literals;

// A long-term-credential TURN server in a few lines. Each knob breaks one
// thing a real (or misconfigured) server could get wrong.
struct fake_server {
  std::string realm = "example.org";
  std::string password = "right-password";
  std::string verify_realm;        // realm used to check MESSAGE-INTEGRITY; empty: `realm`
  std::string nonce = "nonce-1";
  int stale_allocates = 0;         // answer this many authenticated Allocates with 438
  int stale_refreshes = 0;         // same for Refresh
  std::map<std::uint16_t, int> fail_with;  // method -> error code to answer with
  std::map<std::uint16_t, bool> silent;    // method -> never answer
  bool challenge_without_realm = false;
  bool open_relay = false;         // Allocate without credentials succeeds
  bool omit_mapped = false;
  bool omit_relayed = false;
  bool sign_with_wrong_key = false;
  bool corrupt_fingerprint = false;
  std::map<std::uint16_t, int> requests;  // method -> count received

  std::optional<bytes> answer(byte_view request) {
    message req;
    if (decode(request, req) || check_fingerprint(request)) {
      return std::nullopt;  // the machine must always send valid, fingerprinted requests
    }
    ++requests[req.method];
    if (silent[req.method]) {
      return std::nullopt;
    }
    if (fail_with.count(req.method) != 0) {
      return error(req, fail_with[req.method], "Configured failure", false);
    }
    return req.method == method::binding ? binding(req) : turn(req, request);
  }

  bytes binding(const message& req) {
    message res{req.method, message_class::success, req.id, {}};
    if (!omit_mapped) {
      res.attributes.push_back(
          xor_address_attribute(attr::xor_mapped_address, *parse_address("192.0.2.1", 40000), req.id));
    }
    return finish(res, std::nullopt);
  }

  std::optional<bytes> turn(const message& req, byte_view raw) {
    if (find(req, attr::message_integrity) == nullptr) {
      if (open_relay) {
        return success(req, std::nullopt);
      }
      return error(req, 401, "Unauthorized", !challenge_without_realm);
    }
    const auto user = string_value(req, attr::username).value_or("");
    const bytes key = long_term_key(user, verify_realm.empty() ? realm : verify_realm, password);
    if (string_value(req, attr::realm) != realm || check_message_integrity(raw, key)) {
      return error(req, 401, "Unauthorized", true);
    }
    int& stale = req.method == method::allocate ? stale_allocates : stale_refreshes;
    if (stale > 0 || string_value(req, attr::nonce) != nonce) {
      --stale;
      nonce += "+";
      return error(req, 438, "Stale Nonce", true);
    }
    return success(req, key);
  }

  bytes success(const message& req, std::optional<bytes> key) {
    message res{req.method, message_class::success, req.id, {}};
    if (req.method == method::allocate && !omit_relayed) {
      res.attributes.push_back(xor_address_attribute(
          attr::xor_relayed_address, *parse_address("192.0.2.15", 50000), req.id));
    }
    res.attributes.push_back(u32_attribute(attr::lifetime, req.method == method::refresh ? 0 : 600));
    if (key && sign_with_wrong_key) {
      key = long_term_key("someone", "else", "entirely");
    }
    return finish(res, key);
  }

  bytes error(const message& req, int code, std::string_view reason, bool with_realm_nonce) {
    message res{req.method, message_class::error, req.id, {error_code_attribute(code, reason)}};
    if (with_realm_nonce) {
      res.attributes.push_back(string_attribute(attr::realm, realm));
      res.attributes.push_back(string_attribute(attr::nonce, nonce));
    }
    return finish(res, std::nullopt);
  }

  bytes finish(const message& res, std::optional<bytes> key) {
    signing sign;
    sign.key = std::move(key);
    sign.fingerprint = true;
    bytes wire = encode(res, sign);
    if (corrupt_fingerprint) {
      wire.back() ^= 0xff;
    }
    return wire;
  }
};

// Runs the machine to completion: datagrams go straight to the server and its
// answer comes straight back; a silent server means the clock jumps to the
// deadline.
struct run_log {
  probe_result result;
  std::vector<probe_clock::duration> sends;  // when each datagram left, from start
};

transaction_id counting_ids() {
  static std::uint8_t n = 0;
  transaction_id id{};
  id.fill(++n);
  return id;
}

run_log run(turn_probe_machine& machine, fake_server& server) {
  run_log log;
  const probe_clock::time_point t0{};
  probe_clock::time_point now = t0;
  probe_action action = machine.resume(start_event{now});
  for (int steps = 0; steps < 1000; ++steps) {
    if (auto* done = std::get_if<done_action>(&action)) {
      log.result = done->result;
      return log;
    }
    probe_clock::time_point deadline{};
    if (auto* send = std::get_if<send_action>(&action)) {
      log.sends.push_back(now - t0);
      deadline = send->deadline;
      if (auto reply = server.answer(send->datagram)) {
        now += 1ms;  // network round trip
        action = machine.resume(datagram_event{now, *reply});
        continue;
      }
    } else {
      deadline = std::get<wait_action>(action).deadline;
    }
    EXPECT_GT(deadline, now) << "the machine must wait for a time in the future";
    now = deadline;
    action = machine.resume(timeout_event{now});
  }
  ADD_FAILURE() << "the machine never finished";
  return log;
}

probe_config credentials(std::string password = "right-password") {
  probe_config cfg;
  cfg.username = "1700000000:probe";
  cfg.password = std::move(password);
  return cfg;
}

struct outcome_case {
  const char* name;
  std::function<void(fake_server&, probe_config&)> setup;
  probe_outcome outcome;
  probe_stage stage;
  int error_code;
};

class probe_outcomes : public testing::TestWithParam<outcome_case> {};

std::string case_name(const testing::TestParamInfo<outcome_case>& p) { return p.param.name; }

TEST_P(probe_outcomes, end_as_expected) {
  const auto& c = GetParam();
  fake_server server;
  probe_config cfg = credentials();
  c.setup(server, cfg);
  turn_probe_machine machine(cfg, counting_ids);
  const run_log log = run(machine, server);
  EXPECT_EQ(log.result.outcome, c.outcome) << log.result.reason;
  EXPECT_EQ(log.result.stage, c.stage) << log.result.reason;
  EXPECT_EQ(log.result.error_code, c.error_code) << log.result.reason;
  EXPECT_TRUE(machine.done());
  EXPECT_EQ(log.result.ok(), log.result.reason.empty()) << "failures, and only they, explain";
}

void nothing(fake_server&, probe_config&) {}

INSTANTIATE_TEST_SUITE_P(
    server_behaviours, probe_outcomes,
    testing::Values(
        outcome_case{"healthy", nothing, probe_outcome::ok, probe_stage::refresh, 0},
        outcome_case{"wrong_password",
                     [](fake_server&, probe_config& c) { c.password = "wrong"; },
                     probe_outcome::auth_rejected, probe_stage::allocate, 401},
        outcome_case{"server_checks_another_realm",
                     [](fake_server& s, probe_config&) { s.verify_realm = "other.org"; },
                     probe_outcome::auth_rejected, probe_stage::allocate, 401},
        outcome_case{"stale_nonce_once", [](fake_server& s, probe_config&) { s.stale_allocates = 1; },
                     probe_outcome::ok, probe_stage::refresh, 0},
        outcome_case{"stale_nonce_twice", [](fake_server& s, probe_config&) { s.stale_allocates = 2; },
                     probe_outcome::error_response, probe_stage::allocate, 438},
        outcome_case{"stale_nonce_on_refresh", [](fake_server& s, probe_config&) { s.stale_refreshes = 1; },
                     probe_outcome::ok, probe_stage::refresh, 0},
        outcome_case{"refresh_rejected",
                     [](fake_server& s, probe_config&) { s.fail_with[method::refresh] = 401; },
                     probe_outcome::auth_rejected, probe_stage::refresh, 401},
        outcome_case{"allocation_quota",
                     [](fake_server& s, probe_config&) { s.fail_with[method::allocate] = 486; },
                     probe_outcome::error_response, probe_stage::challenge, 486},
        outcome_case{"binding_server_error",
                     [](fake_server& s, probe_config&) { s.fail_with[method::binding] = 500; },
                     probe_outcome::error_response, probe_stage::binding, 500},
        outcome_case{"silent_server", [](fake_server& s, probe_config&) { s.silent[method::binding] = true; },
                     probe_outcome::timeout, probe_stage::binding, 0},
        outcome_case{"stun_only_server", [](fake_server& s, probe_config&) { s.silent[method::allocate] = true; },
                     probe_outcome::timeout, probe_stage::challenge, 0},
        outcome_case{"challenge_without_realm",
                     [](fake_server& s, probe_config&) { s.challenge_without_realm = true; },
                     probe_outcome::malformed_response, probe_stage::challenge, 401},
        outcome_case{"open_relay", [](fake_server& s, probe_config&) { s.open_relay = true; },
                     probe_outcome::open_relay, probe_stage::challenge, 0},
        outcome_case{"no_mapped_address", [](fake_server& s, probe_config&) { s.omit_mapped = true; },
                     probe_outcome::malformed_response, probe_stage::binding, 0},
        outcome_case{"no_relayed_address", [](fake_server& s, probe_config&) { s.omit_relayed = true; },
                     probe_outcome::malformed_response, probe_stage::allocate, 0},
        outcome_case{"response_signed_with_wrong_key",
                     [](fake_server& s, probe_config&) { s.sign_with_wrong_key = true; },
                     probe_outcome::malformed_response, probe_stage::allocate, 0},
        outcome_case{"corrupt_fingerprint",
                     [](fake_server& s, probe_config&) { s.corrupt_fingerprint = true; },
                     probe_outcome::malformed_response, probe_stage::binding, 0},
        outcome_case{"secure_stun_binding_401",
                     [](fake_server& s, probe_config&) { s.fail_with[method::binding] = 401; },
                     probe_outcome::ok, probe_stage::refresh, 0},
        outcome_case{"secure_stun_binding_only",
                     [](fake_server& s, probe_config& c) {
                       c.mode = probe_mode::binding_only;
                       s.fail_with[method::binding] = 401;
                     },
                     probe_outcome::ok, probe_stage::binding, 0},
        outcome_case{"binding_only_mode",
                     [](fake_server& s, probe_config& c) {
                       c.mode = probe_mode::binding_only;
                       s.silent[method::allocate] = true;
                     },
                     probe_outcome::ok, probe_stage::binding, 0}),
    case_name);

TEST(probe_machine, healthy_run_reports_addresses_realm_and_requests) {
  fake_server server;
  turn_probe_machine machine(credentials(), counting_ids);
  const run_log log = run(machine, server);
  ASSERT_TRUE(log.result.ok()) << log.result.reason;
  ASSERT_TRUE(log.result.mapped && log.result.relayed);
  EXPECT_EQ(to_string(*log.result.mapped), "192.0.2.1:40000");
  EXPECT_EQ(to_string(*log.result.relayed), "192.0.2.15:50000");
  EXPECT_EQ(log.result.realm, "example.org");
  EXPECT_EQ(log.result.retransmissions, 0);
  EXPECT_EQ(log.result.duration, 4ms);  // four round trips of 1 ms
  EXPECT_EQ(server.requests[method::binding], 1);
  EXPECT_EQ(server.requests[method::allocate], 2);
  EXPECT_EQ(server.requests[method::refresh], 1);
  EXPECT_EQ(describe(log.result), "ok in 4 ms (relayed 192.0.2.15:50000)");
}

TEST(probe_machine, auth_failure_is_explained_for_operators) {
  fake_server server;
  turn_probe_machine machine(credentials("wrong"), counting_ids);
  const run_log log = run(machine, server);
  EXPECT_EQ(describe(log.result),
            "allocate: authentication rejected (wrong secret or realm?) after 3 ms");
  EXPECT_EQ(to_string(log.result.outcome), "auth_rejected");
}

}  // namespace
