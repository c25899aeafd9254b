#include "turn/coturn/log_parser.hpp"

#include <charconv>
#include <limits>

namespace switchboard::turn {
namespace {

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// "<seconds>: " and then coturn's level field, which 4.6.1 leaves empty (": ").
std::string_view strip_prefix(std::string_view line) {
  line = trim(line);
  std::size_t digits = 0;
  while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9') ++digits;
  if (digits > 0 && line.substr(digits).starts_with(": ")) line.remove_prefix(digits + 2);
  if (line.starts_with(": ")) line.remove_prefix(2);
  return line;
}

// Reads an unsigned number at the front of `s` and drops it; nullopt if none.
std::optional<std::uint64_t> take_number(std::string_view& s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{}) return std::nullopt;
  s.remove_prefix(static_cast<std::size_t>(end - s.data()));
  return v;
}

bool take(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// Searched from the end: whatever a username holds comes before coturn's own fields.
std::optional<std::uint32_t> lifetime_of(std::string_view rest) {
  auto at = rest.rfind(", lifetime=");
  if (at == std::string_view::npos) return std::nullopt;
  rest.remove_prefix(at + 11);
  auto v = take_number(rest);
  if (!v) return std::nullopt;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(*v, std::numeric_limits<std::uint32_t>::max()));
}

std::optional<coturn_event> usage_of(session_id id, traffic_side side, std::string_view rest) {
  auto at = rest.rfind(", rp=");
  if (at == std::string_view::npos) return std::nullopt;
  rest.remove_prefix(at + 2);
  traffic_usage u{id, side};
  std::uint64_t* fields[] = {&u.received_packets, &u.received_bytes, &u.sent_packets, &u.sent_bytes};
  std::string_view keys[] = {"rp=", ", rb=", ", sp=", ", sb="};
  for (std::size_t i = 0; i < 4; ++i) {
    auto v = take(rest, keys[i]) ? take_number(rest) : std::nullopt;
    if (!v) return std::nullopt;
    *fields[i] = *v;
  }
  if (!rest.empty()) return std::nullopt;
  return u;
}

// "... realm <R> user <U>: incoming packet METHOD processed, error CODE: TEXT"
std::optional<coturn_event> failure_of(session_id id, std::string_view rest) {
  auto at = rest.rfind(": incoming packet ");
  if (at == std::string_view::npos) return std::nullopt;
  bool has_user = !rest.substr(0, at).ends_with("user <>");
  std::string_view tail = rest.substr(at + 18);
  auto processed = tail.find(" processed, error ");
  if (processed == std::string_view::npos) return std::nullopt;
  std::string_view method = tail.substr(0, processed);
  tail.remove_prefix(processed + 18);
  auto code = take_number(tail);
  if (!code || !take(tail, ": ") || *code > 699) return std::nullopt;
  int c = static_cast<int>(*code);
  return request_failed{id, c, classify_failure(c, has_user, tail), method == "message"};
}

std::optional<coturn_event> session_line(std::string_view msg) {
  if (!take(msg, "session ")) return std::nullopt;
  auto id = take_number(msg);
  if (!id || !take(msg, ": ")) return std::nullopt;
  if (msg.starts_with("new, ")) {
    if (auto l = lifetime_of(msg)) return allocation_created{*id, *l};
  } else if (msg.starts_with("refreshed, ")) {
    if (auto l = lifetime_of(msg)) return allocation_refreshed{*id, *l};
  } else if (msg.starts_with("delete: ")) {
    return allocation_deleted{*id};
  } else if (msg.starts_with("usage: ")) {
    return usage_of(*id, traffic_side::client, msg);
  } else if (msg.starts_with("peer usage: ")) {
    return usage_of(*id, traffic_side::peer, msg);
  } else if (msg.starts_with("closed (2nd stage), ")) {
    auto at = msg.rfind(", reason: ");
    if (at != std::string_view::npos) return session_closed{*id, normalise_close_reason(msg.substr(at + 10))};
  } else if (contains(msg, " processed, error ")) {
    return failure_of(*id, msg);
  }
  return std::nullopt;
}

// "IPv4. UDP listener opened on: 127.0.0.1:3478", "IPv4. TLS/TCP listener opened on : ..."
std::optional<coturn_event> listener_line(std::string_view msg) {
  auto at = msg.find(" listener opened on");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view head = msg.substr(0, at);
  auto space = head.rfind(' ');
  std::string_view transport = space == std::string_view::npos ? head : head.substr(space + 1);
  std::string_view endpoint = trim(msg.substr(at + 19));  // ": A" or " : A"; A may start with "::"
  if (!take(endpoint, ":")) return std::nullopt;
  return listener_opened{std::string(transport), std::string(trim(endpoint))};
}

// "Cannot bind TLS/TCP listener socket to addr A" and the fatal variant.
std::optional<coturn_event> bind_failure_line(std::string_view msg) {
  auto bind = msg.find("annot bind ");
  auto sock = msg.find("listener socket to addr ");
  if (bind == std::string_view::npos || sock == std::string_view::npos || sock < bind + 11) return std::nullopt;
  std::string_view transport = trim(msg.substr(bind + 11, sock - bind - 11));
  std::string_view endpoint = trim(msg.substr(sock + 24));
  return listener_bind_failed{std::string(transport), std::string(endpoint), contains(msg, "Fatal final failure")};
}

std::optional<coturn_event> config_line(std::string_view msg) {
  for (std::string_view marker :
       {"Bad configuration format", "CONFIG ERROR", "CONFIGURATION ALERT", "Wrong address format"}) {
    if (auto at = msg.find(marker); at != std::string_view::npos) return config_problem{std::string(msg.substr(at))};
  }
  return std::nullopt;
}

}  // namespace

std::optional<coturn_event> parse_coturn_line(std::string_view line) {
  std::string_view msg = strip_prefix(line);
  if (msg.starts_with("session ")) return session_line(msg);
  if (contains(msg, "Cannot find credentials of user")) return credentials_rejected{};
  if (auto e = listener_line(msg)) return e;
  if (auto e = bind_failure_line(msg)) return e;
  return config_line(msg);
}

close_reason normalise_close_reason(std::string_view text) noexcept {
  if (contains(text, "allocation timeout")) return close_reason::expired;
  // coturn reports a TLS client's disconnect as a socket buffer error (seen with 4.6.1).
  for (std::string_view m : {"closed by client", "closed remotely", "closed by remote party",
                             "socket buffer operation error", "disconnected"}) {
    if (contains(text, m)) return close_reason::client_closed;
  }
  if (contains(text, "closed by peer")) return close_reason::peer_closed;
  if (contains(text, "error")) return close_reason::error;
  return close_reason::other;
}

failure_kind classify_failure(int code, bool has_user, std::string_view text) noexcept {
  switch (code) {
    case 401: return has_user ? failure_kind::unauthorized : failure_kind::challenge;
    case 486: return failure_kind::quota;
    case 403: return contains(text, "Forbidden IP") ? failure_kind::forbidden_peer : failure_kind::other;
    default: return failure_kind::other;
  }
}

std::string_view to_string(close_reason r) noexcept {
  switch (r) {
    case close_reason::released: return "released";
    case close_reason::expired: return "expired";
    case close_reason::client_closed: return "client_closed";
    case close_reason::peer_closed: return "peer_closed";
    case close_reason::error: return "error";
    case close_reason::restart: return "restart";
    case close_reason::other: return "other";
  }
  return "other";
}

std::string_view to_string(traffic_side s) noexcept { return s == traffic_side::client ? "client" : "peer"; }

}  // namespace switchboard::turn
