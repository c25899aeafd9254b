#include "tests/hardening/churn_support.hpp"

#include "tests/hardening/ws_raw.hpp"
#include "tests/integration/signaling_helpers.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace switchboard::test {
namespace {

using namespace std::chrono_literals;

std::optional<json::object> as_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

// The first text frame the server sends on `s`, as JSON.
std::optional<json::object> first_message(raw_socket& s, deadline until) {
  std::string pending;
  for (;;) {
    for (const auto& f : take_frames(pending)) {
      if (f.op == ws_op::text) return as_object(f.payload);
      if (f.op == ws_op::close) return std::nullopt;
    }
    if (!s.receive_some(pending, until)) return std::nullopt;
  }
}

void count_error(const json::object& msg, std::map<std::string, std::size_t>& errors) {
  if (str(msg, "action") == "error") ++errors[str(msg, "code")];
}

}  // namespace

churn_result churn(std::uint16_t port, attack_budget& budget, std::size_t max_attempts) {
  churn_result out;
  const auto start = client_frame(ws_op::text, R"({"action":"start"})");
  while (out.attempts < max_attempts && budget.ok()) {
    ++out.attempts;
    raw_socket s;
    std::optional<json::object> reply;
    if (raw_ws_connect(s, port, within(5s)) && s.send_all(start, within(5s))) reply = first_message(s, within(5s));
    if (!reply) {
      ++out.failures;
    } else if (str(*reply, "action") == "start" && !str(*reply, "id").empty()) {
      out.ids.push_back(str(*reply, "id"));
    } else {
      ++out.errors[str(*reply, "code")];
    }
    s.reset();  // no close frame, no FIN: the peer is detached, not gone
  }
  out.ended = out.attempts >= max_attempts ? "attempt count reached" : budget.stopped_because();
  return out;
}

std::string sized_offer(const std::string& target, std::size_t size) {
  const auto empty = offer_message(target, "").size();
  return offer_message(target, std::string(size > empty ? size - empty : 0, 's'));
}

void collect_errors(std::vector<ws_client>& senders, std::map<std::string, std::size_t>& errors,
                    std::chrono::milliseconds quiet, std::vector<std::string>* left) {
  const auto wait = quiet / static_cast<long>(std::max<std::size_t>(senders.size(), 1));
  const auto until = within(10s);
  for (bool got = true; got && clock::now() < until;) {
    got = false;
    for (auto& ws : senders) {
      while (const auto text = ws.read(clock::now() + wait)) {
        got = true;
        const auto msg = as_object(*text);
        if (!msg) continue;
        count_error(*msg, errors);
        if (left != nullptr && str(*msg, "action") == "peerLeft") left->push_back(str(*msg, "id"));
      }
    }
  }
}

fill_result fill_queues(std::vector<ws_client>& senders, const std::vector<std::string>& targets,
                        std::size_t offer_bytes, attack_budget& budget, std::size_t max_offers) {
  fill_result out;
  if (senders.empty() || targets.empty()) {
    out.ended = "nothing to send or no one to send to";
    return out;
  }
  while (out.offers < max_offers && budget.ok()) {
    auto& ws = senders[out.offers % senders.size()];
    // Five offers per target: four fill its 256 KiB queue, the fifth finds it full.
    // Built per send: thousands of targets x 64 KB would not fit in memory at once.
    const auto& target = targets[(out.offers / 5) % targets.size()];
    if (!ws.send_text(sized_offer(target, offer_bytes), budget.end())) {
      out.ended = "a sender failed: " + ws.last_error();
      return out;
    }
    ++out.offers;
    while (const auto text = ws.read(clock::now())) {
      if (const auto msg = as_object(*text)) count_error(*msg, out.errors);
    }
  }
  out.ended = out.offers >= max_offers ? "offer count reached" : budget.stopped_because();
  return out;
}

std::vector<ws_client> started_clients(const server_fixture& server, std::size_t n, const std::string& local_address) {
  std::vector<ws_client> out;
  for (std::size_t i = 0; i < n; ++i) {
    ws_client ws;
    auto opts = server.ws_options();
    opts.local_address = local_address;
    if (!ws.connect(opts).ok || !ws.send_text(R"({"action":"start"})")) continue;
    const auto text = ws.read(within(5s));
    const auto msg = text ? as_object(*text) : std::nullopt;
    if (msg && str(*msg, "action") == "start") out.push_back(std::move(ws));
  }
  return out;
}

std::string describe(const std::map<std::string, std::size_t>& counts) {
  std::string out;
  for (const auto& [code, n] : counts) out += (out.empty() ? "" : ", ") + code + " x" + std::to_string(n);
  return out.empty() ? "none" : out;
}

}  // namespace switchboard::test
