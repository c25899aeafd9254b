#pragma once
// The contract suite on the Redis implementations, against a real
// redis-server of the test's own; the Redis-only tests use it too.

#include "signaling/cluster/redis_bus.hpp"
#include "signaling/cluster/redis_connection.hpp"
#include "signaling/cluster/redis_subscriber.hpp"
#include "tests/cluster/contract_env.hpp"
#include "tests/support/redis_fixture.hpp"

#include <deque>

namespace switchboard::cluster::contract {

class redis_env final : public env {
public:
  std::unique_ptr<core::peer_directory> directory() override;
  // Its connections are named "<node>-cmd" and "<node>-sub".
  std::unique_ptr<core::message_bus> bus(const std::string& node) override;
  void limit_bus_queue(std::size_t messages) override { bus_limit_ = messages; }
  void outage(bool down) override;
  std::chrono::milliseconds short_ttl() const override;
  void pass_time(std::chrono::milliseconds) override {}

  // A bus with the given hooks.
  std::unique_ptr<core::message_bus> bus(const std::string& node, redis_bus_stats_hooks hooks);

  test::redis_server redis;
  const std::string prefix = "switchboard:";

private:
  std::size_t bus_limit_ = 65536;
  // Outlive the directories and buses made on them (the test's locals).
  std::deque<redis_connection> connections_;
  std::deque<redis_subscriber> subscribers_;
};

}  // namespace switchboard::cluster::contract
