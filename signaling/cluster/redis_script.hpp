#pragma once
// A Lua script run atomically by Redis: EVALSHA, and EVAL when Redis answers
// NOSCRIPT (a restart or SCRIPT FLUSH emptied its cache; EVAL loads it again).
// Steady state costs one command and sends only the 40-byte hash.

#include "signaling/cluster/redis_connection.hpp"

#include <string>

namespace switchboard::cluster {

struct redis_script {
  explicit redis_script(std::string lua);
  std::string text;
  std::string sha1;  // lowercase hex, as SCRIPT LOAD would return it
};

// Same contract as redis_connection::command: `cb` runs exactly once, never
// inside this call. Call on the connection's strand; `script` must outlive
// the reply (the scripts are statics).
void eval_script(redis_connection& redis, const redis_script& script, const redis_argv& keys,
                 const redis_argv& args, redis_callback cb);

// Whether `reply` is Redis' "NOSCRIPT No matching script" error.
bool is_noscript(const redis_reply& reply);

}  // namespace switchboard::cluster
