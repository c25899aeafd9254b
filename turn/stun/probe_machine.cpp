#include "turn/stun/probe_machine.hpp"

#include "turn/stun/attributes.hpp"
#include "turn/stun/integrity.hpp"

#include <algorithm>
#include <utility>

namespace switchboard::stun {
namespace {

std::uint16_t method_of(probe_stage s) noexcept {
  switch (s) {
    case probe_stage::challenge:
    case probe_stage::allocate: return method::allocate;
    case probe_stage::refresh: return method::refresh;
    default: return method::binding;
  }
}

// The transaction ID sits at bytes 8..19 of any STUN-shaped datagram; used to
// tell a garbled answer to our request from unrelated noise.
bool carries_id(byte_view data, const transaction_id& id) {
  return data.size() >= header_size && std::equal(id.begin(), id.end(), data.begin() + 8);
}

}  // namespace

turn_probe_machine::turn_probe_machine(probe_config cfg, id_source ids)
    : cfg_(std::move(cfg)), ids_(std::move(ids)) {}

probe_action turn_probe_machine::resume(const probe_event& ev) {
  if (done_) {
    return done_action{result_};
  }
  if (const auto* s = std::get_if<start_event>(&ev)) {
    return on_start(s->now);
  }
  if (const auto* d = std::get_if<datagram_event>(&ev)) {
    return on_datagram(d->now, d->data);
  }
  return on_timeout(std::get<timeout_event>(ev).now);
}

probe_result turn_probe_machine::fail(probe_outcome outcome, std::string reason,
                                      probe_clock::time_point now) {
  if (!done_) {
    finish(outcome, std::move(reason), now);
  }
  return result_;
}

probe_action turn_probe_machine::on_start(probe_clock::time_point now) {
  if (stage_ != probe_stage::resolve) {
    return wait_action{deadline_};  // started twice: keep the first run going
  }
  started_ = now;
  overall_deadline_ = now + cfg_.timeout;
  return begin(probe_stage::binding, now);
}

probe_action turn_probe_machine::begin(probe_stage stage, probe_clock::time_point now) {
  if (stage != stage_) {
    stale_retried_ = false;
  }
  stage_ = stage;
  id_ = ids_();
  request_ = build_request();
  transmissions_ = 1;
  rto_ = cfg_.initial_rto;
  deadline_ = next_deadline(now);
  return send_action{request_, deadline_};
}

probe_clock::time_point turn_probe_machine::next_deadline(probe_clock::time_point now) const {
  return std::min(now + rto_, overall_deadline_);
}

bytes turn_probe_machine::build_request() {
  message m{method_of(stage_), message_class::request, id_, {}};
  if (stage_ == probe_stage::challenge || stage_ == probe_stage::allocate) {
    m.attributes.push_back(requested_transport_attribute(transport_udp));
  }
  if (stage_ == probe_stage::refresh) {
    m.attributes.push_back(u32_attribute(attr::lifetime, 0));
  }
  const bool authenticated = stage_ == probe_stage::allocate || stage_ == probe_stage::refresh;
  if (authenticated) {
    m.attributes.push_back(string_attribute(attr::username, cfg_.username));
    m.attributes.push_back(string_attribute(attr::realm, result_.realm));
    m.attributes.push_back(string_attribute(attr::nonce, nonce_));
  }
  if (!cfg_.software.empty()) {
    m.attributes.push_back(string_attribute(attr::software, cfg_.software));
  }
  signing sign;
  sign.fingerprint = true;
  if (authenticated) {
    sign.key = key_;
  }
  return encode(m, sign);
}

probe_action turn_probe_machine::on_timeout(probe_clock::time_point now) {
  if (stage_ == probe_stage::resolve) {
    return finish(probe_outcome::timeout, "timed out before start", now);
  }
  if (now < deadline_) {
    return wait_action{deadline_};  // early wake-up: the deadline is what counts
  }
  const std::string stage_name(to_string(stage_));
  if (now >= overall_deadline_) {
    return finish(probe_outcome::timeout, "no answer to " + stage_name + " before the deadline",
                  now);
  }
  if (transmissions_ >= cfg_.max_transmissions) {
    return finish(probe_outcome::timeout, "no answer to " + stage_name + " after " +
                                              std::to_string(transmissions_) + " transmissions",
                  now);
  }
  ++transmissions_;
  ++result_.retransmissions;
  rto_ *= 2;
  deadline_ = next_deadline(now);
  return send_action{request_, deadline_};
}

probe_action turn_probe_machine::on_datagram(probe_clock::time_point now, byte_view data) {
  if (stage_ == probe_stage::resolve) {
    return wait_action{deadline_};
  }
  message m;
  if (const auto ec = decode(data, m)) {
    if (carries_id(data, id_)) {
      return finish(probe_outcome::malformed_response, "undecodable response: " + ec.message(), now);
    }
    return wait_action{deadline_};  // noise, or not STUN at all
  }
  if (m.id != id_ || m.cls == message_class::request || m.cls == message_class::indication) {
    return wait_action{deadline_};  // a late answer to an earlier transaction, or not an answer
  }
  if (m.method != method_of(stage_)) {
    return finish(probe_outcome::malformed_response, "response has the wrong method", now);
  }
  if (has_fingerprint(data) && check_fingerprint(data)) {
    return finish(probe_outcome::malformed_response, "response FINGERPRINT mismatch", now);
  }
  return m.cls == message_class::error ? on_error(now, m) : on_success(now, m, data);
}

}  // namespace switchboard::stun
