// The STUN/TURN codec (turn/stun) on datagrams from the network, and the
// probe state machine that consumes them. The input is a run of datagrams,
// each as long as its header's length field says (20 + length, or what is
// left), so a real message is a seed as it is.
//
// Per datagram: decode() and index_attributes() agree on the framing; a
// decoded message encodes to no more bytes and decodes back equal; the typed
// readers' values round-trip through the writers; integrity and fingerprint
// checks never crash, and a re-signed copy always verifies.
// Then the datagrams are the server's answers to a full TURN probe: each gets
// the transaction ID of the request in flight (or a guess would never match)
// and, when bit 0 of its own first ID byte is set, is re-signed with the
// probe's key, so the fuzzer reaches the authenticated stages. The probe must
// end within its retransmission budget.

#include "fuzz_check.hpp"
#include "turn/stun/attributes.hpp"
#include "turn/stun/errors.hpp"
#include "turn/stun/integrity.hpp"
#include "turn/stun/message.hpp"
#include "turn/stun/probe_machine.hpp"

#include <algorithm>
#include <variant>
#include <vector>

namespace {

using namespace switchboard::stun;

constexpr std::string_view probe_user = "1800000000:probe";
constexpr std::string_view probe_password = "probe-password";

std::vector<byte_view> datagrams(byte_view in) {
  std::vector<byte_view> out;
  while (!in.empty()) {
    const std::size_t n = in.size() < 4 ? in.size() : std::min(in.size(), header_size + read_u16(in.data() + 2));
    out.push_back(in.first(n));
    in = in.subspan(n);
  }
  return out;
}

void check_addresses(const message& m) {
  for (const auto type : {attr::xor_mapped_address, attr::xor_peer_address, attr::xor_relayed_address}) {
    const auto a = xor_address_value(m, type);
    if (!a) continue;
    FUZZ_CHECK(read_xor_address(xor_address_attribute(type, *a, m.id).value, m.id) == *a);
    const auto text = to_string(*a);
    const auto colon = text.rfind(':');
    FUZZ_CHECK(colon != std::string::npos);
    auto ip = std::string_view(text).substr(0, colon);
    if (ip.starts_with('[')) ip = ip.substr(1, ip.size() - 2);
    FUZZ_CHECK(parse_address(ip, a->port) == *a);
  }
}

void check_datagram(byte_view wire) {
  message m;
  std::vector<attribute_view> views;
  const auto ec = decode(wire, m);
  FUZZ_CHECK(static_cast<bool>(ec) == static_cast<bool>(index_attributes(wire, views)));
  if (ec) return;
  FUZZ_CHECK(m.attributes.size() <= views.size());
  const bytes again = encode(m);
  FUZZ_CHECK(again.size() <= wire.size());
  message back;
  FUZZ_CHECK(!decode(again, back) && back == m);

  check_addresses(m);
  if (const auto err = error_code_value(m)) {
    FUZZ_CHECK(err->code >= 300 && err->code <= 699);
    FUZZ_CHECK(read_error_code(error_code_attribute(err->code, err->reason).value)->code == err->code);
  }
  (void)u32_value(m, attr::lifetime);
  (void)string_value(m, attr::realm);

  const bytes key = long_term_key(probe_user, "example.org", probe_password);
  (void)check_message_integrity(wire, key);
  if (!check_fingerprint(wire)) FUZZ_CHECK(has_fingerprint(wire));

  // Stripped of its trailer and signed again, it verifies (when the length field can hold it).
  if (again.size() + 32 > header_size + 0xFFFF) return;
  message plain = m;
  std::erase_if(plain.attributes, [](const attribute& a) {
    return a.type == attr::message_integrity || a.type == attr::message_integrity_sha256 ||
           a.type == attr::fingerprint;
  });
  const bytes signed_wire = encode(plain, signing{key, true});
  FUZZ_CHECK(!check_message_integrity(signed_wire, key));
  FUZZ_CHECK(!check_fingerprint(signed_wire));
}

// The server's side of the probe, written by the fuzzer.
void run_probe(const std::vector<byte_view>& answers) {
  std::uint8_t counter = 0;
  turn_probe_machine machine(probe_config{.username = std::string(probe_user),
                                          .password = std::string(probe_password)},
                             [&counter] {
                               transaction_id id{};
                               id[11] = ++counter;
                               return id;
                             });
  probe_clock::time_point now{std::chrono::seconds(1000)};
  probe_action action = machine.resume(start_event{now});
  bytes request;
  std::string realm;
  const auto follow = [&](const probe_action& a) {
    if (const auto* s = std::get_if<send_action>(&a)) request = s->datagram;
  };
  follow(action);
  for (const auto answer : answers) {
    if (std::holds_alternative<done_action>(action)) break;
    bytes dg(answer.begin(), answer.end());
    if (dg.size() >= header_size && request.size() >= header_size) {
      const bool resign = (dg[8] & 1) != 0;
      std::copy_n(request.begin() + 8, 12, dg.begin() + 8);
      message m;
      if (resign && !decode(dg, m)) {
        if (const auto r = string_value(m, attr::realm)) realm = std::string(*r);
        std::erase_if(m.attributes, [](const attribute& a) {
          return a.type == attr::message_integrity || a.type == attr::fingerprint;
        });
        dg = encode(m, signing{long_term_key(probe_user, realm, probe_password), true});
      }
    }
    now += std::chrono::milliseconds(1);
    action = machine.resume(datagram_event{now, dg});
    follow(action);
  }
  // No more answers: the retransmissions run out and the probe ends.
  for (int step = 0; !std::holds_alternative<done_action>(action); ++step) {
    FUZZ_CHECK(step < 64);
    const auto* s = std::get_if<send_action>(&action);
    const auto* w = std::get_if<wait_action>(&action);
    now = std::max(now, s != nullptr ? s->deadline : w->deadline);
    action = machine.resume(timeout_event{now});
    follow(action);
  }
  FUZZ_CHECK(machine.done());
  FUZZ_CHECK(!describe(std::get<done_action>(action).result).empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto answers = datagrams(byte_view(data, size));
  for (const auto d : answers) check_datagram(d);
  run_probe(answers);
  return 0;
}
