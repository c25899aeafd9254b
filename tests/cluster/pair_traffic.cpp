#include "tests/cluster/pair_traffic.hpp"

#include "tests/integration/signaling_helpers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <sstream>

namespace switchboard::test {
namespace {

constexpr std::size_t max_problems = 5;
// A close handshake the client has answered should end within this.
constexpr std::chrono::seconds closing_limit{5};
constexpr std::chrono::milliseconds retry_after{100};
// How a drained client's connection ends: the server's 1001, the handshake complete.
constexpr std::string_view clean_close = "closed by server with code 1001";

std::string payload_text(std::uint64_t seq) { return "seq " + std::to_string(seq); }

// The N of "seq N"; 0 when it is not one.
std::uint64_t seq_of(std::string_view text) {
  if (text.substr(0, 4) != "seq ") return 0;
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data() + 4, text.data() + text.size(), n);
  return ec == std::errc() && end == text.data() + text.size() ? n : 0;
}

std::string field(const json::object& msg, std::string_view member, std::string_view key) {
  const auto* data = msg.if_contains("data");
  if (data == nullptr || !data->is_object()) return {};
  const auto* inner = data->as_object().if_contains(member);
  return inner != nullptr && inner->is_object() ? str(inner->as_object(), key) : std::string();
}

}  // namespace

pair_traffic::pair_traffic(pair_traffic_options opts) : opts_(opts), clients_(2 * opts.pairs) {
  for (std::size_t i = 0; i < clients_.size(); ++i) clients_[i].partner = i ^ 1;
}

bool pair_traffic::start_all() {
  for (auto& c : clients_) {
    ws_connect_options o;
    o.port = opts_.port;
    const auto result = c.ws.connect(o);
    if (!result.ok) {
      ADD_FAILURE() << "connecting through port " << opts_.port << " failed: " << result.error;
      return false;
    }
    const auto reply = send_start(c.ws);
    if (!reply) return false;
    c.id = str(*reply, "id");
    c.token = str(*reply, "resumeToken");
    c.st = state::started;
    if (c.id.empty() || c.token.empty()) {
      ADD_FAILURE() << "start gave no id or token: " << to_text(*reply);
      return false;
    }
  }
  return true;
}

void pair_traffic::step(bool send) {
  const auto now = clock::now();
  for (auto& c : clients_) {
    poll(c, now);
    if (c.st == state::disconnected && now >= c.since + retry_after) reconnect(c, now);
    if (send && c.st == state::started && c.sent - clients_[c.partner].received < opts_.window) send_next(c);
  }
}

void pair_traffic::poll(client& c, clock::time_point now) {
  if (c.st == state::disconnected) return;
  // A deadline already past: runs what is ready, never waits.
  while (const auto text = c.ws.read(now)) on_text(c, *text);
  if (c.ws.is_open()) return;
  if (c.ws.ended()) return on_ended(c, now);
  // The server's close frame came: the client is answering it.
  if (c.st != state::closing) {
    c.st = state::closing;
    c.since = now;
  } else if (now - c.since > closing_limit) {
    note(c, "close handshake did not finish");
    c.ws.drop();
    on_ended(c, now);
  }
}

void pair_traffic::on_text(client& c, std::string_view text) {
  const auto msg = parse_object(text);
  if (!msg) return note(c, "not JSON: " + std::string(text.substr(0, 200)));
  const auto action = str(*msg, "action");
  if (action == "offer") return on_relayed(c, str(*msg, "from"), field(*msg, "offer", "sdp"));
  if (action == "iceCandidate") return on_relayed(c, str(*msg, "from"), field(*msg, "candidate", "candidate"));
  if (action == "start" && c.st == state::resuming) {
    if (str(*msg, "id") != c.id) note(c, "resumed with another id: " + std::string(text));
    if (!msg->contains("resumed") || msg->at("resumed") != true) note(c, "start without resumed: true");
    c.token = str(*msg, "resumeToken");
    c.st = state::started;
    return;
  }
  if (action == "peerLeft") ++c.peer_left;
  if (action == "error") ++c.errors;
  note(c, "unexpected: " + std::string(text.substr(0, 300)));
}

void pair_traffic::on_relayed(client& c, const std::string& from, std::string_view payload) {
  if (from != clients_[c.partner].id) return note(c, "message from " + from + ", not from the partner");
  const auto seq = seq_of(payload);
  if (seq != c.received + 1) {
    note(c, "expected seq " + std::to_string(c.received + 1) + ", got '" + std::string(payload) + "'");
  }
  c.received = std::max(c.received, seq);
}

void pair_traffic::on_ended(client& c, clock::time_point now) {
  ++c.ends[c.ws.last_error()];
  c.st = state::disconnected;
  c.since = now;
}

void pair_traffic::reconnect(client& c, clock::time_point now) {
  ws_connect_options o;
  o.port = opts_.port;
  ws_client fresh;
  const auto result = fresh.connect(o);
  if (!result.ok || !fresh.send_text(resume_message(c.id, c.token))) {
    ++c.connect_failures;  // every replica busy draining or restarting: again shortly
    c.since = now;
    return;
  }
  ++c.reconnects;
  c.ws = std::move(fresh);
  c.st = state::resuming;
  c.since = now;
}

void pair_traffic::send_next(client& c) {
  const auto seq = c.sent + 1;
  const auto& to = clients_[c.partner].id;
  // Offers and candidates take different paths through the parser: both are exercised.
  const auto text = seq % 4 == 0 ? offer_message(to, payload_text(seq)) : candidate_message(to, payload_text(seq), 0);
  if (c.ws.send_text(text, within(std::chrono::seconds(2)))) {
    c.sent = seq;
  } else if (c.ws.is_open()) {
    note(c, "send failed on an open connection: " + c.ws.last_error());
  }
  // Otherwise the connection is closing: the message was not written, and is sent after the resume.
}

void pair_traffic::note(client& c, std::string what) {
  if (c.problems.size() < max_problems) c.problems.push_back(std::move(what));
}

bool pair_traffic::all_started() const {
  return std::all_of(clients_.begin(), clients_.end(), [](const client& c) { return c.st == state::started; });
}

bool pair_traffic::settled() const {
  return all_started() && std::all_of(clients_.begin(), clients_.end(), [this](const client& c) {
           return clients_[c.partner].received == c.sent;
         });
}

std::uint64_t pair_traffic::min_received() const {
  std::uint64_t least = UINT64_MAX;
  for (const auto& c : clients_) least = std::min(least, c.received);
  return least;
}

void pair_traffic::check() const {
  for (std::size_t i = 0; i < clients_.size(); ++i) {
    const auto& c = clients_[i];
    const auto& p = clients_[c.partner];
    SCOPED_TRACE("client " + std::to_string(i) + " (" + c.id + "), partner " + p.id);
    EXPECT_TRUE(c.problems.empty()) << ::testing::PrintToString(c.problems);
    EXPECT_EQ(c.received, p.sent) << "messages from the partner lost";
    EXPECT_EQ(c.peer_left, 0);
    EXPECT_EQ(c.errors, 0);
    EXPECT_GE(c.reconnects, 1) << "never moved: its replica was not drained?";
    for (const auto& [how, n] : c.ends) EXPECT_EQ(how, clean_close) << n << " connection(s)";
  }
}

void pair_traffic::close_all() {
  for (auto& c : clients_) {
    if (c.ws.is_open()) (void)c.ws.close(1000, within(std::chrono::seconds(2)));
  }
}

std::string pair_traffic::summary() const {
  std::uint64_t sent = 0;
  int reconnects = 0;
  int failures = 0;
  std::map<std::string, int> ends;
  for (const auto& c : clients_) {
    sent += c.sent;
    reconnects += c.reconnects;
    failures += c.connect_failures;
    for (const auto& [how, n] : c.ends) ends[how] += n;
  }
  std::ostringstream out;
  out << clients_.size() << " clients: " << sent << " messages sent, " << reconnects << " reconnects ("
      << failures << " failed attempts), at least " << min_received() << " received per direction; ends:";
  for (const auto& [how, n] : ends) out << " [" << how << "] " << n;
  return out.str();
}

}  // namespace switchboard::test
