#pragma once
// What the contract suite (contract_directory_test, contract_bus_test) needs
// from an implementation of core/cluster.hpp, so that the same tests run
// against the in-memory one (memory_cluster, unit) and the Redis one (a real
// redis-server, integration). One io_context runs every handler; the test
// thread runs it only while it waits.

#include "signaling/core/cluster.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace switchboard::cluster::contract {

using namespace std::chrono_literals;

class env {
public:
  virtual ~env() = default;

  virtual std::unique_ptr<core::peer_directory> directory() = 0;
  virtual std::unique_ptr<core::message_bus> bus(const std::string& node) = 0;
  // Bound for buses made after this call (memory: per receiving node; Redis:
  // the sender's queue). A test that sends `messages` from one bus to another
  // without running the loop hits both.
  virtual void limit_bus_queue(std::size_t messages) = 0;
  // Memory: set_down; Redis: stop and start the server.
  virtual void outage(bool down) = 0;
  // A liveness ttl, and time passing for it: the memory clock jumps, Redis
  // waits in real time (the test polls).
  virtual std::chrono::milliseconds short_ttl() const = 0;
  virtual void pass_time(std::chrono::milliseconds d) = 0;

  // Runs handlers until `done` holds; false at the (scaled) deadline.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s);
  // Runs `fn` as a handler of the loop (as a caller on the strand would) and
  // returns once it has run.
  void run_on_loop(const std::function<void()>& fn);

  boost::asio::io_context ioc;
};

struct env_kind {
  std::string name;
  std::function<std::unique_ptr<env>()> make;
};

// Defined once per test binary: the implementations it runs the suite on.
const std::vector<env_kind>& env_kinds();

inline std::string env_name(const ::testing::TestParamInfo<env_kind>& info) { return info.param.name; }

}  // namespace switchboard::cluster::contract
