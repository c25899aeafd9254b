// turn_probe_machine's clock handling: retransmissions with a doubling RTO,
// the overall deadline, early wake-ups, and datagrams that are not answers.
// Binding-only runs keep the exchanges short; the stages share the logic.

#include "turn/stun/attributes.hpp"
#include "turn/stun/integrity.hpp"
#include "turn/stun/probe_machine.hpp"

#include <gtest/gtest.h>

namespace {

using namespace switchboard::stun;
using namespace std::chrono_literals;

const probe_clock::time_point t0 = probe_clock::time_point{} + 1h;

transaction_id fixed_id() { return {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}; }

probe_config binding_config(std::chrono::milliseconds timeout = 5000ms) {
  probe_config cfg;
  cfg.mode = probe_mode::binding_only;
  cfg.timeout = timeout;
  return cfg;
}

bytes binding_response(const transaction_id& id, message_class cls = message_class::success) {
  message m{method::binding, cls, id,
            {xor_address_attribute(attr::xor_mapped_address, *parse_address("10.0.0.1", 1234), id)}};
  signing sign;
  sign.fingerprint = true;
  return encode(m, sign);
}

const send_action& as_send(const probe_action& a) {
  static const send_action none{};
  const auto* s = std::get_if<send_action>(&a);
  EXPECT_NE(s, nullptr) << "expected a send action, got index " << a.index();
  return s != nullptr ? *s : none;
}

probe_clock::time_point as_wait(const probe_action& a) {
  const auto* w = std::get_if<wait_action>(&a);
  EXPECT_NE(w, nullptr) << "expected a wait action, got index " << a.index();
  return w != nullptr ? w->deadline : probe_clock::time_point{};
}

probe_result as_done(const probe_action& a) {
  const auto* d = std::get_if<done_action>(&a);
  EXPECT_NE(d, nullptr) << "expected a done action, got index " << a.index();
  return d != nullptr ? d->result : probe_result{};
}

TEST(probe_timing, retransmits_the_same_bytes_with_doubling_rto_then_gives_up) {
  turn_probe_machine machine(binding_config(), fixed_id);
  const send_action first = as_send(machine.resume(start_event{t0}));
  EXPECT_EQ(first.deadline, t0 + 100ms);
  probe_clock::time_point now = first.deadline;
  for (const auto wait : {200ms, 400ms, 800ms, 1600ms}) {
    const send_action again = as_send(machine.resume(timeout_event{now}));
    EXPECT_EQ(again.datagram, first.datagram);  // a retransmission keeps its transaction
    EXPECT_EQ(again.deadline, now + wait);
    now = again.deadline;
  }
  const probe_result r = as_done(machine.resume(timeout_event{now}));
  EXPECT_EQ(r.outcome, probe_outcome::timeout);
  EXPECT_EQ(r.stage, probe_stage::binding);
  EXPECT_EQ(r.retransmissions, 4);
  EXPECT_EQ(r.duration, 3100ms);
  EXPECT_EQ(r.reason, "no answer to binding after 5 transmissions");
}

TEST(probe_timing, overall_deadline_caps_the_waits) {
  turn_probe_machine machine(binding_config(250ms), fixed_id);
  EXPECT_EQ(as_send(machine.resume(start_event{t0})).deadline, t0 + 100ms);
  EXPECT_EQ(as_send(machine.resume(timeout_event{t0 + 100ms})).deadline, t0 + 250ms);
  const probe_result r = as_done(machine.resume(timeout_event{t0 + 250ms}));
  EXPECT_EQ(r.outcome, probe_outcome::timeout);
  EXPECT_EQ(r.duration, 250ms);
  EXPECT_EQ(r.reason, "no answer to binding before the deadline");
}

TEST(probe_timing, answer_to_a_retransmission_completes) {
  turn_probe_machine machine(binding_config(), fixed_id);
  (void)machine.resume(start_event{t0});
  (void)as_send(machine.resume(timeout_event{t0 + 100ms}));
  const probe_result r =
      as_done(machine.resume(datagram_event{t0 + 150ms, binding_response(fixed_id())}));
  EXPECT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.retransmissions, 1);
  EXPECT_EQ(r.duration, 150ms);
  ASSERT_TRUE(r.mapped);
  EXPECT_EQ(to_string(*r.mapped), "10.0.0.1:1234");
}

TEST(probe_timing, early_timer_wakeup_keeps_the_deadline) {
  turn_probe_machine machine(binding_config(), fixed_id);
  (void)machine.resume(start_event{t0});
  EXPECT_EQ(as_wait(machine.resume(timeout_event{t0 + 99ms})), t0 + 100ms);
  EXPECT_EQ(as_send(machine.resume(timeout_event{t0 + 100ms})).deadline, t0 + 300ms);
}

struct stray_case {
  const char* name;
  bytes datagram;
};

class stray_datagrams : public testing::TestWithParam<stray_case> {};

TEST_P(stray_datagrams, are_ignored_and_the_deadline_kept) {
  turn_probe_machine machine(binding_config(), fixed_id);
  (void)machine.resume(start_event{t0});
  EXPECT_EQ(as_wait(machine.resume(datagram_event{t0 + 10ms, GetParam().datagram})), t0 + 100ms);
  EXPECT_FALSE(machine.done());
  EXPECT_TRUE(as_done(machine.resume(datagram_event{t0 + 20ms, binding_response(fixed_id())})).ok());
}

INSTANTIATE_TEST_SUITE_P(
    noise, stray_datagrams,
    testing::Values(stray_case{"empty", {}},
                    stray_case{"not_stun", bytes(40, 0xAB)},
                    stray_case{"other_transaction", binding_response({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})},
                    stray_case{"request_with_our_id", binding_response(fixed_id(), message_class::request)},
                    stray_case{"indication_with_our_id",
                               binding_response(fixed_id(), message_class::indication)}),
    [](const testing::TestParamInfo<stray_case>& p) { return std::string(p.param.name); });

TEST(probe_timing, garbled_answer_to_our_transaction_is_malformed) {
  turn_probe_machine machine(binding_config(), fixed_id);
  (void)machine.resume(start_event{t0});
  bytes garbled = binding_response(fixed_id());
  garbled.pop_back();  // length no longer matches
  const probe_result r = as_done(machine.resume(datagram_event{t0 + 5ms, garbled}));
  EXPECT_EQ(r.outcome, probe_outcome::malformed_response);
  EXPECT_NE(r.reason.find("undecodable response"), std::string::npos) << r.reason;
}

TEST(probe_timing, answer_with_the_wrong_method_is_malformed) {
  turn_probe_machine machine(binding_config(), fixed_id);
  (void)machine.resume(start_event{t0});
  signing sign;
  sign.fingerprint = true;
  const bytes wrong = encode(message{method::allocate, message_class::success, fixed_id(), {}}, sign);
  EXPECT_EQ(as_done(machine.resume(datagram_event{t0 + 5ms, wrong})).outcome,
            probe_outcome::malformed_response);
}

TEST(probe_timing, fail_from_outside_and_resume_after_done) {
  turn_probe_machine machine(binding_config(), fixed_id);
  (void)machine.resume(start_event{t0});
  const probe_result r = machine.fail(probe_outcome::cancelled, "cancelled", t0 + 42ms);
  EXPECT_EQ(r.outcome, probe_outcome::cancelled);
  EXPECT_EQ(r.stage, probe_stage::binding);
  EXPECT_EQ(r.duration, 42ms);
  // Later events change nothing.
  EXPECT_EQ(as_done(machine.resume(datagram_event{t0 + 50ms, binding_response(fixed_id())})).outcome,
            probe_outcome::cancelled);
  EXPECT_EQ(machine.fail(probe_outcome::timeout, "late", t0 + 60ms).outcome, probe_outcome::cancelled);
}

TEST(probe_timing, failure_before_start_is_attributed_to_resolve) {
  turn_probe_machine machine(binding_config(), fixed_id);
  const probe_result r = machine.fail(probe_outcome::network_error, "cannot resolve", t0);
  EXPECT_EQ(r.stage, probe_stage::resolve);
  EXPECT_EQ(r.duration, 0ms);
  EXPECT_EQ(describe(r), "resolve: cannot resolve after 0 ms");
}

TEST(probe_timing, random_ids_differ) {
  EXPECT_NE(random_transaction_id(), random_transaction_id());
}

}  // namespace
