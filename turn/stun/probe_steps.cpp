// turn_probe_machine: what each kind of answer means at each stage.

#include "turn/stun/attributes.hpp"
#include "turn/stun/integrity.hpp"
#include "turn/stun/probe_machine.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <utility>

namespace switchboard::stun {
namespace {

constexpr int unauthorized = 401;
constexpr int stale_nonce = 438;

std::string error_text(int code, std::string_view reason) {
  std::string out = "error " + std::to_string(code);
  if (!reason.empty()) {
    out.append(" (").append(reason).append(")");
  }
  return out;
}

}  // namespace

probe_action turn_probe_machine::on_success(probe_clock::time_point now, const message& m,
                                            byte_view data) {
  switch (stage_) {
    case probe_stage::binding:
      result_.mapped = xor_address_value(m, attr::xor_mapped_address);
      if (!result_.mapped) {
        return finish(probe_outcome::malformed_response,
                      "Binding response without a valid XOR-MAPPED-ADDRESS", now);
      }
      if (cfg_.mode == probe_mode::binding_only) {
        return finish(probe_outcome::ok, {}, now);
      }
      return begin(probe_stage::challenge, now);
    case probe_stage::challenge:
      return finish(probe_outcome::open_relay,
                    "Allocate succeeded without credentials (open relay?)", now);
    default: break;
  }
  // Authenticated stages: the server proves it knows the key too.
  if (const auto ec = check_message_integrity(data, key_)) {
    return finish(probe_outcome::malformed_response, "response " + ec.message(), now);
  }
  if (stage_ == probe_stage::allocate) {
    result_.relayed = xor_address_value(m, attr::xor_relayed_address);
    if (!result_.relayed) {
      return finish(probe_outcome::malformed_response,
                    "Allocate response without a valid XOR-RELAYED-ADDRESS", now);
    }
    return begin(probe_stage::refresh, now);
  }
  return finish(probe_outcome::ok, {}, now);
}

probe_action turn_probe_machine::on_error(probe_clock::time_point now, const message& m) {
  const auto err = error_code_value(m);
  if (!err) {
    return finish(probe_outcome::malformed_response, "error response without a valid ERROR-CODE",
                  now);
  }
  result_.error_code = err->code;
  if (stage_ == probe_stage::binding && err->code == unauthorized) {
    // coturn with secure-stun answers even Binding with 401: it is alive and
    // wants credentials, which the Allocate stages bring.
    result_.error_code = 0;
    if (cfg_.mode == probe_mode::binding_only) return finish(probe_outcome::ok, {}, now);
    return begin(probe_stage::challenge, now);
  }
  if (stage_ == probe_stage::challenge && err->code == unauthorized) {
    return on_challenge(now, m);
  }
  const bool authenticated = stage_ == probe_stage::allocate || stage_ == probe_stage::refresh;
  if (authenticated && err->code == unauthorized) {
    return finish(probe_outcome::auth_rejected, "authentication rejected (wrong secret or realm?)",
                  now);
  }
  if (authenticated && err->code == stale_nonce && !stale_retried_) {
    return on_stale_nonce(now, m);
  }
  return finish(probe_outcome::error_response, error_text(err->code, err->reason), now);
}

probe_action turn_probe_machine::on_challenge(probe_clock::time_point now, const message& m) {
  const auto realm = string_value(m, attr::realm);
  const auto nonce = string_value(m, attr::nonce);
  if (!realm || !nonce) {
    return finish(probe_outcome::malformed_response, "401 challenge without REALM and NONCE", now);
  }
  result_.realm = std::string(*realm);
  result_.error_code = 0;
  nonce_ = std::string(*nonce);
  key_ = long_term_key(cfg_.username, result_.realm, cfg_.password);
  return begin(probe_stage::allocate, now);
}

probe_action turn_probe_machine::on_stale_nonce(probe_clock::time_point now, const message& m) {
  const auto nonce = string_value(m, attr::nonce);
  if (!nonce) {
    return finish(probe_outcome::malformed_response, "438 Stale Nonce without NONCE", now);
  }
  stale_retried_ = true;
  result_.error_code = 0;
  nonce_ = std::string(*nonce);
  if (const auto realm = string_value(m, attr::realm); realm && *realm != result_.realm) {
    result_.realm = std::string(*realm);
    key_ = long_term_key(cfg_.username, result_.realm, cfg_.password);
  }
  return begin(stage_, now);  // same stage, fresh transaction
}

probe_action turn_probe_machine::finish(probe_outcome outcome, std::string reason,
                                        probe_clock::time_point now) {
  done_ = true;
  result_.outcome = outcome;
  result_.stage = stage_;
  result_.reason = std::move(reason);
  result_.duration = stage_ == probe_stage::resolve ? std::chrono::nanoseconds{0} : now - started_;
  return done_action{result_};
}

transaction_id random_transaction_id() {
  transaction_id id{};
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) {
    // Only a broken CSPRNG gets here; predictable IDs would be worse.
    throw std::runtime_error("RAND_bytes failed");
  }
  return id;
}

}  // namespace switchboard::stun
