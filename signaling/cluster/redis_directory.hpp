#pragma once
// core::peer_directory in Redis (layout and scripts: directory_scripts.hpp).
// Every conditional or multi-key change is one Lua script (EVALSHA, EVAL on
// NOSCRIPT), so it is atomic; lookup is one HGETALL.
//
//   auto dir = make_redis_directory(redis, "switchboard:", strand);
//
// `redis` runs on `strand` and must outlive the directory. Calls may come
// from any thread: off the strand they are posted onto it; handlers run on
// it. A command that fails (timeout, lost connection, bound, an error reply)
// completes with unavailable.

#include "signaling/cluster/redis_connection.hpp"
#include "signaling/core/cluster.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>

namespace switchboard::cluster {

std::unique_ptr<core::peer_directory> make_redis_directory(redis_connection& redis, std::string key_prefix,
                                                           boost::asio::any_io_executor strand);

}  // namespace switchboard::cluster
