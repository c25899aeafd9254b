#pragma once
// Lua scripts run atomically by Redis, sent as EVALSHA (40 bytes, not the
// script) without letting a missing script reorder operations.
//
// EVALSHA of a script Redis does not have (first use, a restart, SCRIPT
// FLUSH) fails with NOSCRIPT, and commands already pipelined behind it run
// before the EVAL that would retry it. So a script_set sends every script
// with SCRIPT LOAD ahead of the first EVALSHA, and again after whatever may
// have emptied the cache (a NOSCRIPT, a failed command, the connection seen
// down): Redis runs one connection's commands in order, so the scripts are in
// place when the EVALSHA behind them runs. A cache emptied unseen (Redis
// restarted between two calls) still works, by EVAL on NOSCRIPT; only
// operations already pipelined behind that one may then overtake it.

#include "signaling/cluster/redis_connection.hpp"

#include <memory>
#include <string>
#include <vector>

namespace switchboard::cluster {

struct redis_script {
  explicit redis_script(std::string lua);
  std::string text;
  std::string sha1;  // lowercase hex, as SCRIPT LOAD would return it
};

// Whether `reply` is Redis' "NOSCRIPT No matching script" error.
bool is_noscript(const redis_reply& reply);

class script_set : public std::enable_shared_from_this<script_set> {
public:
  // The scripts must outlive the set (they are statics).
  explicit script_set(std::vector<const redis_script*> scripts) : scripts_(std::move(scripts)) {}

  // EVALSHA `script` (one of the set) with `keys` and `args`. Same contract
  // as redis_connection::command: `cb` runs exactly once, never inside this
  // call. On the connection's strand, like everything about the set.
  void eval(redis_connection& redis, const redis_script& script, const redis_argv& keys, const redis_argv& args,
            redis_callback cb);

private:
  void load_all(redis_connection& redis);

  std::vector<const redis_script*> scripts_;
  bool loaded_ = false;    // SCRIPT LOADs sent since the cache was last in doubt
  bool saw_down_ = false;  // the connection was down at the last call
};

}  // namespace switchboard::cluster
