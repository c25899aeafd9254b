#include "tests/cluster/contract_env_redis.hpp"

#include "signaling/cluster/redis_directory.hpp"
#include "tests/cluster/redis_test_helpers.hpp"

namespace switchboard::cluster::contract {

std::unique_ptr<core::peer_directory> redis_env::directory() {
  auto& conn = connections_.emplace_back(ioc.get_executor(), testing::options_for(redis, "directory"));
  conn.start();
  return make_redis_directory(conn, prefix, ioc.get_executor());
}

std::unique_ptr<core::message_bus> redis_env::bus(const std::string& node) { return bus(node, {}); }

std::unique_ptr<core::message_bus> redis_env::bus(const std::string& node, redis_bus_stats_hooks hooks) {
  auto& conn = connections_.emplace_back(ioc.get_executor(), testing::options_for(redis, node + "-cmd"));
  auto& sub = subscribers_.emplace_back(ioc.get_executor(), testing::options_for(redis, node + "-sub"));
  redis_bus_options opts;
  opts.node = node;
  opts.key_prefix = prefix;
  opts.max_queued = bus_limit_;
  opts.hooks = std::move(hooks);
  auto bus = make_redis_bus(conn, sub, ioc.get_executor(), std::move(opts));
  conn.start();  // after the bus took its state handler
  return bus;
}

void redis_env::outage(bool down) {
  if (down) {
    redis.stop();
  } else {
    redis.start();
  }
}

std::chrono::milliseconds redis_env::short_ttl() const {
  return std::chrono::milliseconds(static_cast<long long>(300 * test::timeout_scale()));
}

}  // namespace switchboard::cluster::contract
