#include "signaling/core/peer_connection.hpp"

#include <boost/json/monotonic_resource.hpp>

#include <array>
#include <memory>
#include <sstream>
#include <variant>

namespace switchboard::core {
namespace {

using protocol::error_code;

// Enough for the parse tree of a browser's offer; larger messages spill to the heap.
constexpr std::size_t arena_bytes = 16 * 1024;

std::string rate_limit_message(const connection_limits& l) {
  std::ostringstream os;
  os << "too many messages: the limit is " << l.rate_per_second << " per second (burst " << l.burst
     << "); further messages are dropped until the rate falls";
  return os.str();
}

}  // namespace

peer_connection::peer_connection(hub& h, connection_limits limits, signaling_events& events,
                                 steady_clock::time_point now, std::string address, auth_gate* gate)
    : hub_(h),
      limits_(limits),
      events_(events),
      bucket_(limits.rate_per_second, limits.burst, now),
      address_(std::move(address)),
      gate_(gate) {}

effects peer_connection::error(error_code c, std::string_view message, std::string_view ref) {
  events_.error_replied(c);
  effects fx;
  fx.to_self.push_back(make_reply(protocol::error_message(c, message, ref)));
  return fx;
}

effects peer_connection::on_message(const std::shared_ptr<participant>& self, std::string_view payload,
                                    bool binary, steady_clock::time_point now) {
  if (effects fx; !admit(payload.size(), now, fx)) return fx;
  if (binary) return error(error_code::bad_request, "binary frames are not supported; send JSON text frames", "");
  if (payload.size() > limits_.max_message_bytes) return too_large(payload.size());
  // Most messages are relayed ones in a plain shape: no JSON tree for those.
  if (started()) {
    if (const auto scanned = protocol::scan_relayed(payload)) return hub_.relay(id_, *scanned, now, &route_);
  }
  // The parse tree lives in a per-thread arena for the time of this call
  // (nothing keeps it: forwarded messages are serialised into their own text),
  // instead of one heap allocation per JSON node.
  // (On the heap: a large thread_local array would take static TLS from every thread's stack.)
  thread_local const std::unique_ptr<std::array<unsigned char, arena_bytes>> arena =
      std::make_unique<std::array<unsigned char, arena_bytes>>();
  boost::json::monotonic_resource resource(arena->data(), arena->size());
  auto parsed = protocol::parse(payload, boost::json::storage_ptr(&resource));
  if (const auto* err = std::get_if<protocol::parse_error>(&parsed)) return error(err->code, err->message, err->ref);
  return dispatch(self, std::get<protocol::request>(std::move(parsed)), now);
}

bool peer_connection::admit(std::size_t bytes, steady_clock::time_point now, effects& fx) {
  events_.message_received(bytes);
  // Checked before anything else so a flood costs no parsing and no replies:
  // one error says the client is limited, the rest are dropped silently.
  if (!bucket_.try_take(now)) {
    if (!limited_notified_) {
      limited_notified_ = true;
      fx = error(error_code::rate_limited, rate_limit_message(limits_), "");
    }
    return false;
  }
  limited_notified_ = false;
  return true;
}

effects peer_connection::too_large(std::uint64_t size) {
  return error(error_code::too_large,
               "message is " + std::to_string(size) + " bytes; the limit is " +
                   std::to_string(limits_.max_message_bytes),
               "");
}

effects peer_connection::on_oversize(std::uint64_t size, steady_clock::time_point now) {
  if (effects fx; !admit(static_cast<std::size_t>(size), now, fx)) return fx;
  return too_large(size);
}

effects peer_connection::dispatch(const std::shared_ptr<participant>& self, protocol::request&& req,
                                  steady_clock::time_point now) {
  const std::string_view ref = protocol::to_string(req.act);
  if (req.act == protocol::action::start) return start(self, std::move(req), now);
  if (!started()) {
    if (auth_required()) {
      return error(error_code::unauthorized, "authenticate first: send start with data.token before " + std::string(ref),
                   ref);
    }
    return error(error_code::not_started, "send start before " + std::string(ref), ref);
  }
  if (req.act == protocol::action::ice_servers) {
    effects fx;
    fx.to_self.push_back(hub_.ice_servers(id_));
    return fx;
  }
  return hub_.relay(id_, std::move(req), now, &route_);
}

effects peer_connection::start(const std::shared_ptr<participant>& self, protocol::request&& req,
                               steady_clock::time_point now) {
  if (started()) return error(error_code::bad_request, "already started: to resume, open a new connection", "start");
  if (!resuming_.empty()) return error(error_code::bad_request, "a resume is in progress on this connection", "start");
  std::optional<peer_identity> who;
  // A resume needs no JWT: the resume token proves the peer, and the JWT
  // that started it may have expired since.
  if (auth_required() && !req.resume) {
    auto verdict = gate_->check(req.token.empty() ? std::string_view(query_token_) : std::string_view(req.token),
                                address_, now);
    if (!verdict.who) {
      auth_failure_ = auth_failure{verdict.reason, verdict.message};
      return error(verdict.code, verdict.message, "start");
    }
    who = std::move(verdict.who);
  }
  auto result = hub_.start(self, req.resume, now, address_, who ? &*who : nullptr);
  if (result.pending) resuming_ = req.resume->id;  // another replica had it: see adopt_id
  id_ = std::move(result.id);  // stays empty when the start failed
  if (started() && who) identity_ = std::move(who);
  return std::move(result.fx);
}

effects peer_connection::on_drain(const participant* self, steady_clock::time_point now) {
  if (!started()) return {};
  return hub_.closing(id_, self, now);
}

effects peer_connection::on_close(const participant* self, bool client_goodbye, steady_clock::time_point now) {
  if (!started()) return resuming_.empty() ? effects{} : hub_.disconnect(resuming_, self, client_goodbye, now);
  return hub_.disconnect(id_, self, client_goodbye, now);
}

void peer_connection::adopt_id(const std::string& id) {
  if (started()) return;
  id_ = id;
  resuming_.clear();
}

}  // namespace switchboard::core
