#pragma once
// Switchboard's configuration: a plain struct whose every field has a default.
// docs/configuration.md documents each key; loading lives in loader.hpp.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace switchboard::config {

using std::chrono::milliseconds;
using std::chrono::seconds;

enum class profile { production, development };
enum class log_format { text, json };

struct endpoint {
  std::string host = "0.0.0.0";  // IPv4/IPv6 literal (no brackets) or host name
  std::uint16_t port = 8080;     // 0 = pick a free port (tests)
  bool operator==(const endpoint&) const = default;
};

struct tls_config {
  std::string cert;  // PEM certificate chain; empty = no TLS
  std::string key;   // PEM private key
  bool operator==(const tls_config&) const = default;
};

struct rate_limit_config {
  double messages_per_second = 50;  // sustained inbound messages per connection
  double burst = 200;               // bucket size
  bool operator==(const rate_limit_config&) const = default;
};

struct server_config {
  endpoint listen{"0.0.0.0", 8080};             // page, API and WebSocket
  std::string static_dir = "signaling/web";     // relative paths are relative to the working dir
  tls_config tls;                               // both set = https + wss on the same port
  std::vector<std::string> allowed_origins;     // WebSocket Origin allow-list; "*" = any
  bool allow_missing_origin = false;            // production: accept upgrades without Origin (non-browser clients)
  std::size_t max_message_bytes = 65536;        // largest inbound WebSocket message
  std::size_t max_connections = 10000;          // open connections, all IPs
  std::size_t max_connections_per_ip = 100;     // open connections from one IP
  std::string ws_path = "/ws";                  // WebSocket path ("/" is accepted too)
  std::size_t threads = 1;                      // event-loop threads
  seconds handshake_timeout{10};                // TCP accept to WebSocket upgrade / HTTP request
  seconds idle_timeout{60};                     // no pong/traffic for this long = dead peer
  seconds drain_period{10};                     // SIGTERM: time clients get before close 1001
  std::size_t send_queue_messages = 256;        // outbound queue bound per connection (count)
  std::size_t send_queue_bytes = 256 * 1024;    // outbound queue bound per connection (bytes)
  std::size_t max_http_body_bytes = 8192;       // HTTP request body limit
  rate_limit_config rate_limit;                 // inbound message token bucket per connection
  bool operator==(const server_config&) const = default;
};

struct metrics_config {
  bool enabled = true;                      // serve Prometheus /metrics on its own port
  endpoint listen{"127.0.0.1", 9464};       // keep it off the public interface
  bool operator==(const metrics_config&) const = default;
};

struct id_rate_config {
  double per_second = 2;                    // new peer IDs per client address, sustained
  double burst = 20;                        // bucket size
  bool operator==(const id_rate_config&) const = default;
};

struct peers_config {
  seconds resume_grace{30};                 // how long a disconnected peer keeps its ID
  std::size_t max_queued_messages = 64;     // messages kept for a disconnected peer
  std::size_t max_queued_bytes = 256 * 1024;  // bytes kept for a disconnected peer
  bool leave_on_close = true;               // close code 1000/1001 from the client = leave now
  std::size_t max_detached = 10000;         // detached peers in all; at the cap the oldest leaves
  std::size_t max_queued_bytes_total = 64 * 1024 * 1024;  // all detached peers' queues together
  std::size_t max_per_address = 64;         // peers holding an ID per client address
  id_rate_config id_rate_limit;             // new peer IDs per client address
  bool operator==(const peers_config&) const = default;
};

enum class auth_mode { unset, none, jwt };

struct auth_rate_config {
  double per_second = 0.2;                  // failed authentications per client address, sustained
  double burst = 10;                        // bucket size
  bool operator==(const auth_rate_config&) const = default;
};

struct auth_config {
  auth_mode mode = auth_mode::unset;        // none|jwt; production: required; development: none
  std::string jwks_file;                    // JWKS (RFC 7517) with the keys tokens are checked against
  std::string jwks;                         // the whole JWKS document instead (env SWITCHBOARD_AUTH_JWKS)
  std::string audience = "switchboard";     // "aud" must contain it
  std::vector<std::string> issuers;         // non-empty: "iss" must be one of them
  seconds leeway{60};                       // clock skew allowed for exp, nbf and iat
  seconds max_token_lifetime{3600};         // exp - iat (or exp - now) at most this
  bool allow_query_token = false;           // also accept ?access_token= on the upgrade URL
  seconds hello_timeout{10};                // no start by then: close 4002
  std::size_t max_connections_per_identity = 10;  // peers holding an ID per token subject (0 = no limit)
  auth_rate_config failure_rate_limit;      // failed authentications per client address
  bool operator==(const auth_config&) const = default;
};

struct managed_tls_config {
  std::string cert;                         // PEM chain for turns:/DTLS; empty = no TLS listener
  std::string key;                          // PEM private key
  std::uint16_t port = 5349;                // TLS listening port
  bool operator==(const managed_tls_config&) const = default;
};

struct managed_turn_config {
  bool enabled = false;                     // start and supervise coturn (turn/)
  std::string binary = "/usr/bin/turnserver";  // the coturn executable to run
  std::string profile;                      // production|development; empty = top-level profile
  endpoint listen{"127.0.0.1", 3478};       // coturn listening address (UDP and TCP)
  std::string relay_ip;                     // relay address; empty = the listen address
  std::string relay_ports = "49152-65535";  // "min-max" relay port range
  std::string external_ip;                  // "PUBLIC" or "PUBLIC/PRIVATE" behind NAT
  managed_tls_config tls;                   // turns: listener
  std::size_t user_quota = 10;              // concurrent allocations per username (>= 1)
  std::size_t total_quota = 1000;           // concurrent allocations in all (>= 1)
  std::size_t max_bps = 0;                  // bandwidth cap per allocation, bytes/s (0 = none)
  seconds stop_timeout{5};                  // SIGTERM to SIGKILL when stopping coturn
  std::size_t crash_loop_restarts = 5;      // restarts within crash_loop_window before giving up
  seconds crash_loop_window{60};
  bool operator==(const managed_turn_config&) const = default;
};

struct probe_config {
  seconds interval{30};                     // TURN Allocate probe period (0 = off)
  seconds timeout{5};                       // one probe's deadline
  std::string server;                       // host:port; empty = the managed coturn
  bool operator==(const probe_config&) const = default;
};

struct turn_config {
  std::vector<std::string> secrets;         // first signs, all are accepted by coturn
  std::string secret_file;                  // one secret per line, appended to secrets
  seconds ttl{3600};                        // clamped to [5m, 24h]
  std::vector<std::string> uris;            // stun:/turn:/turns: URIs handed to clients
  std::string realm = "switchboard";        // TURN realm (coturn --realm)
  bool rest_api = false;                    // GET /api/v1/turn-credentials
  std::vector<std::string> api_keys;        // required by the REST API when non-empty
  managed_turn_config managed;              // a coturn child process we supervise
  probe_config probe;                       // end-to-end TURN check
  bool operator==(const turn_config&) const = default;
};

struct cluster_config {
  bool enabled = false;                     // share peers with other replicas through Redis
  std::string redis_url = "redis://127.0.0.1:6379";  // redis://[user:password@]host[:port][/db]
  std::string redis_password_file;          // the Redis password (trailing newline stripped)
  // Set by the loader, not a key: password_file, else SWITCHBOARD_REDIS_PASSWORD, else the
  // URL's password. Never dumped.
  std::string redis_password;
  std::string node_id;                      // this replica's name; empty: host name + "-" + 6 random chars
  std::string key_prefix = "switchboard:";  // before every Redis key and channel name
  milliseconds connect_timeout{2000};       // resolve + connect + AUTH/SELECT
  milliseconds command_timeout{1000};       // one command's reply
  milliseconds node_ttl{5000};              // a replica's liveness key expires after this
  milliseconds heartbeat_interval{1000};    // liveness key refresh period (at most node_ttl / 3)
  milliseconds handoff_timeout{2000};       // resume from another replica: wait for its queued messages
  std::size_t max_bus_queue = 65536;        // messages waiting to be published
  std::size_t max_pending_commands = 65536; // Redis commands waiting or in flight
  bool operator==(const cluster_config&) const = default;
};

struct log_config {
  std::string level = "info";               // trace|debug|info|warn|error|off
  log_format format = log_format::text;     // text for people, json for collectors
  bool operator==(const log_config&) const = default;
};

struct config {
  profile prof = profile::production;       // production is strict; development fills gaps
  server_config server;                     // the public HTTP/WebSocket listener
  metrics_config metrics;                   // Prometheus exposition
  peers_config peers;                       // session resumption after a disconnect
  auth_config auth;                         // who may start (JWT) and who may call whom (rooms)
  turn_config turn;                         // credentials and URIs handed to clients
  cluster_config cluster;                   // several replicas coordinated through Redis
  log_config log;                           // spdlog level and format
  bool ephemeral_secret = false;            // set by the loader: secret generated at start-up
  bool operator==(const config&) const = default;
};

}  // namespace switchboard::config
