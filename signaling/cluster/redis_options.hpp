#pragma once
// Settings shared by redis_connection and redis_subscriber, and the hooks
// through which they report what the owner turns into metrics and logs
// (this folder stays free of Prometheus and spdlog).

#include "signaling/cluster/redis_error.hpp"
#include "signaling/cluster/redis_reply.hpp"
#include "signaling/cluster/redis_url.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::cluster {

// One command, one argument per element, binary safe: {"SET", key, value}.
using redis_argv = std::vector<std::string>;
// Exactly once per command: an empty error code and the reply (which may be an
// error reply from Redis), or an error (redis_errc) and an empty reply.
using redis_callback = std::function<void(std::error_code, redis_reply)>;
// up = true once connected, authenticated and ready; up = false when that is lost (reason says why).
using redis_state_handler = std::function<void(bool up, const std::string& reason)>;

// Every member may be left empty.
struct redis_stats_hooks {
  std::function<void(bool up)> connected;                            // the "connection up" gauge
  std::function<void()> reconnect;                                   // each attempt after a failure or a loss
  std::function<void(std::string_view reason)> attempt_failed;       // a connect attempt failed (for a throttled log)
  std::function<void(std::chrono::steady_clock::duration)> latency;  // written → reply, per command
  std::function<void()> timeout;                                     // a command (or heartbeat) timed out
  std::function<void()> overflow;                                    // a command refused at the queue bound
};

struct redis_options {
  redis_url url;                                      // where, and how to log in (AUTH, SELECT)
  std::string client_name;                            // CLIENT SETNAME on every connect; empty: none; no spaces
  std::chrono::milliseconds connect_timeout{2000};    // resolve + TCP connect + AUTH/SELECT/PING
  std::chrono::milliseconds command_timeout{1000};    // submit → reply; an in-flight miss breaks the connection
  std::chrono::milliseconds heartbeat_interval{1000}; // PING when idle; the subscriber's liveness check
  std::chrono::milliseconds backoff_initial{100};     // first reconnect delay, doubled per failure...
  std::chrono::milliseconds backoff_max{5000};        // ...up to this; each delay jittered down to half
  std::size_t max_pending_commands = 65536;           // waiting for the connection + in flight
  std::size_t max_pending_bytes = 64u << 20;          // their argument bytes
  std::string heartbeat_channel = "switchboard:subscriber-heartbeat";  // subscriber only: never published to
  redis_stats_hooks hooks;
};

}  // namespace switchboard::cluster
