// One inbound text frame through both protocol paths, differentially:
// signaling/protocol parse() + forward() and the relay fast path
// scan_relayed() + forward(relay_scan). Checked: whenever the scan accepts,
// parse() accepts the same action and remoteId and both forwards give the
// same bytes; parse() with an arena gives what it gives without one; every
// forward is JSON carrying the server's "from" and the sender's data; every
// error reply is JSON. Only the public API is used, so the checks hold
// whatever forward() does with number text.

#include "fuzz_check.hpp"
#include "signaling/protocol/relay_scan.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

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

// data without the members the server rewrites.
json::object sender_data(json::object data) {
  data.erase("remoteId");
  data.erase("from");
  return data;
}

void check_forward(const protocol::request& req, const std::string& out) {
  const auto v = parse_json(out);
  FUZZ_CHECK(v.is_object());
  const auto& o = v.get_object();
  FUZZ_CHECK(o.size() == 3 && o.contains("action") && o.contains("from") && o.contains("data"));
  FUZZ_CHECK(is_text(o.at("action"), protocol::to_string(req.act)));
  FUZZ_CHECK(is_text(o.at("from"), from_id));
  FUZZ_CHECK(o.at("data").is_object());
  const auto& data = o.at("data").get_object();
  FUZZ_CHECK(data.contains("from") && is_text(data.at("from"), from_id));
  if (req.act == protocol::action::offer) {
    FUZZ_CHECK(data.contains("remoteId") && is_text(data.at("remoteId"), from_id));
  } else {
    FUZZ_CHECK(!data.contains("remoteId"));
  }
  FUZZ_CHECK(sender_data(data) == sender_data(req.data));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const auto text = switchboard::fuzz::as_text(bytes, size);
  const auto scanned = protocol::scan_relayed(text);
  auto parsed = protocol::parse(text);
  const auto* req = std::get_if<protocol::request>(&parsed);
  if (scanned) {
    FUZZ_CHECK(req != nullptr);
    FUZZ_CHECK(protocol::is_relayed(scanned->act) && scanned->act == req->act);
    FUZZ_CHECK(scanned->remote_id == req->remote_id);
    FUZZ_CHECK(protocol::forward(*scanned, from_id) == protocol::forward(*req, from_id));
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
    const auto copied = protocol::forward(*req, from_id);
    check_forward(*req, copied);
    protocol::request moved = *req;
    FUZZ_CHECK(protocol::forward(std::move(moved), from_id) == copied);
  }
  return 0;
}
