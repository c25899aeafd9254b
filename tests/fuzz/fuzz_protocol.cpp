// One inbound text frame through both protocol paths, differentially:
// signaling/protocol parse() + forward() and the relay fast path
// scan_relayed() + forward(relay_scan). Checked: whenever the scan accepts,
// parse() accepts the same action and remoteId and both forwards give the
// same bytes, with no sender identity and with identities that need JSON
// escaping (auth.mode jwt stamps the token's "sub" on offers); parse() with
// an arena gives what it gives without one; every forward is JSON carrying
// the server's "from" (and on offers "fromIdentity") and the sender's data;
// every error reply is JSON. Only the public API is used, so the checks hold
// whatever forward() does with number text.

#include "fuzz_check.hpp"
#include "signaling/protocol/relay_scan.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <string>
#include <variant>

namespace {

namespace json = boost::json;
namespace protocol = switchboard::protocol;

constexpr std::string_view from_id = "V1StGXR8_Z5jdHi6B-myT";

json::value parse_json(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  FUZZ_CHECK(!ec);
  return v;
}

bool is_text(const json::value& v, std::string_view text) {
  return v.is_string() && std::string_view(v.get_string()) == text;
}

// Sender identities to forward with: none; a fixed one that needs escaping;
// one built from the input's last bytes out of pieces that need escaping or
// are several bytes of UTF-8 (a token's "sub" is any JSON string, so always
// valid UTF-8).
std::array<std::string, 3> identities(std::string_view text) {
  static constexpr std::string_view pieces[] = {"a", "\"", "\\", "\xc3\xa9", "\x01", "\n", "/", "\xe2\x80\xa8",
                                                "\xf0\x9f\x98\x80", "\x7f", "<", "\x1f"};
  std::string derived;
  for (std::size_t i = 0; i < 8 && i < text.size(); ++i) {
    derived += pieces[static_cast<unsigned char>(text[text.size() - 1 - i]) % std::size(pieces)];
  }
  return {std::string(), std::string("al\"ice\xc3\xa9\\\x01"), derived};
}

// data without the members the server rewrites.
json::object sender_data(json::object data, bool stamped) {
  data.erase("remoteId");
  data.erase("from");
  if (stamped) data.erase("fromIdentity");
  return data;
}

void check_forward(const protocol::request& req, const std::string& out, std::string_view identity) {
  const bool stamped = req.act == protocol::action::offer && !identity.empty();
  const auto v = parse_json(out);
  FUZZ_CHECK(v.is_object());
  const auto& o = v.get_object();
  FUZZ_CHECK(o.size() == (stamped ? 4u : 3u) && o.contains("action") && o.contains("from") && o.contains("data"));
  FUZZ_CHECK(is_text(o.at("action"), protocol::to_string(req.act)));
  FUZZ_CHECK(is_text(o.at("from"), from_id));
  FUZZ_CHECK(!stamped || (o.contains("fromIdentity") && is_text(o.at("fromIdentity"), identity)));
  FUZZ_CHECK(o.at("data").is_object());
  const auto& data = o.at("data").get_object();
  FUZZ_CHECK(data.contains("from") && is_text(data.at("from"), from_id));
  FUZZ_CHECK(!stamped || (data.contains("fromIdentity") && is_text(data.at("fromIdentity"), identity)));
  if (req.act == protocol::action::offer) {
    FUZZ_CHECK(data.contains("remoteId") && is_text(data.at("remoteId"), from_id));
  } else {
    FUZZ_CHECK(!data.contains("remoteId"));
  }
  FUZZ_CHECK(sender_data(data, stamped) == sender_data(req.data, stamped));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const auto text = switchboard::fuzz::as_text(bytes, size);
  const auto scanned = protocol::scan_relayed(text);
  auto parsed = protocol::parse(text);
  const auto* req = std::get_if<protocol::request>(&parsed);
  const auto senders = identities(text);
  if (scanned) {
    FUZZ_CHECK(req != nullptr);
    FUZZ_CHECK(protocol::is_relayed(scanned->act) && scanned->act == req->act);
    FUZZ_CHECK(scanned->remote_id == req->remote_id);
    for (const auto& identity : senders) {
      FUZZ_CHECK(protocol::forward(*scanned, from_id, identity) == protocol::forward(*req, from_id, identity));
    }
  }
  {
    // The session parses into a per-message arena: same outcome.
    json::monotonic_resource arena;
    auto in_arena = protocol::parse(text, &arena);
    FUZZ_CHECK(in_arena.index() == parsed.index());
    if (const auto* a = std::get_if<protocol::request>(&in_arena)) {
      FUZZ_CHECK(a->act == req->act && a->remote_id == req->remote_id);
      FUZZ_CHECK(protocol::forward(*a, from_id) == protocol::forward(*req, from_id));
    }
  }
  if (req == nullptr) {
    const auto& err = std::get<protocol::parse_error>(parsed);
    const auto reply = parse_json(protocol::error_message(err.code, err.message, err.ref));
    FUZZ_CHECK(reply.is_object() && is_text(reply.at("action"), "error"));
    return 0;
  }
  FUZZ_CHECK(req->act != protocol::action::start || req->remote_id.empty());
  if (protocol::is_relayed(req->act)) {
    FUZZ_CHECK(!req->remote_id.empty());
    for (const auto& identity : senders) {
      const auto copied = protocol::forward(*req, from_id, identity);
      check_forward(*req, copied, identity);
      protocol::request moved = *req;
      FUZZ_CHECK(protocol::forward(std::move(moved), from_id, identity) == copied);
    }
  }
  return 0;
}
