#pragma once
// What one line of coturn 4.6.1's verbose log (--log-file=stdout -v) means,
// as values. Usernames, realms and peer addresses are deliberately dropped:
// nothing here may end up in a metric label.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace switchboard::turn {

using session_id = std::uint64_t;  // coturn's 18-digit session number

enum class traffic_side { client, peer };

// Why coturn closed a session, reduced to a fixed set (label values).
enum class close_reason {
  released,       // "allocation timeout" after the client refreshed with lifetime 0
  expired,        // "allocation timeout" without that: the lifetime ran out
  client_closed,  // TCP/TLS connection closed or reset by the client
  peer_closed,    // TCP peer connection closed (only with TCP relays)
  error,          // a socket or TLS error
  restart,        // coturn exited while the allocation was active (relay_metrics)
  other,          // anything else coturn prints
};
inline constexpr std::size_t n_close_reasons = 7;

// What a failed request means for the metrics.
enum class failure_kind {
  challenge,       // 401 without a username: the normal first round trip, not a failure
  unauthorized,    // 401 with a username: wrong password, expired or unknown credential
  quota,           // 486 Allocation (Bandwidth) Quota Reached
  forbidden_peer,  // 403 Forbidden IP: a denied or loopback peer address
  other,
};

struct listener_opened {
  std::string transport;  // "UDP", "TCP", "TLS/TCP", "DTLS/UDP"
  std::string endpoint;   // "127.0.0.1:3478"
  bool operator==(const listener_opened&) const = default;
};
struct listener_bind_failed {
  std::string transport;  // as above; empty when coturn does not say
  std::string endpoint;
  bool fatal = false;     // coturn gave up ("Fatal final failure")
  bool operator==(const listener_bind_failed&) const = default;
};
// "Bad configuration format", "CONFIG ERROR", "Wrong address format", ...
struct config_problem {
  std::string message;
  bool operator==(const config_problem&) const = default;
};
struct allocation_created {
  session_id session = 0;
  std::uint32_t lifetime_s = 0;
  bool operator==(const allocation_created&) const = default;
};
struct allocation_refreshed {
  session_id session = 0;
  std::uint32_t lifetime_s = 0;  // 0: the client releases the allocation
  bool operator==(const allocation_refreshed&) const = default;
};
struct allocation_deleted {
  session_id session = 0;
  bool operator==(const allocation_deleted&) const = default;
};
// Counts since the previous usage line of the same session and side (coturn
// prints them every 4,096 packets and at close), seen from the relay:
// received = from the client (side client) or from peers (side peer).
struct traffic_usage {
  session_id session = 0;
  traffic_side side = traffic_side::client;
  std::uint64_t received_packets = 0;
  std::uint64_t received_bytes = 0;
  std::uint64_t sent_packets = 0;
  std::uint64_t sent_bytes = 0;
  bool operator==(const traffic_usage&) const = default;
};
struct session_closed {
  session_id session = 0;
  close_reason reason = close_reason::other;
  bool operator==(const session_closed&) const = default;
};
// "incoming packet METHOD processed, error CODE: TEXT". A failure inside a
// method handler is printed twice, once with the method and once as the
// generic "message" (summary); failures before dispatch (401) only as the
// summary. Counting summaries counts each failed request once.
struct request_failed {
  session_id session = 0;
  int code = 0;
  failure_kind kind = failure_kind::other;
  bool summary = false;
  bool operator==(const request_failed&) const = default;
};
// "check_stun_auth: Cannot find credentials of user <U>": the detail of the
// 401 printed next; the 401 is what gets counted.
struct credentials_rejected {
  bool operator==(const credentials_rejected&) const = default;
};

using coturn_event =
    std::variant<listener_opened, listener_bind_failed, config_problem, allocation_created, allocation_refreshed,
                 allocation_deleted, traffic_usage, session_closed, request_failed, credentials_rejected>;

std::string_view to_string(close_reason r) noexcept;
std::string_view to_string(traffic_side s) noexcept;

}  // namespace switchboard::turn
