#pragma once
// The directory and the bus in one process: what a single node would keep,
// and what several hubs in one test share instead of Redis. The contract
// suite (tests/cluster/contract_*) holds them to the same rules as the Redis
// implementations.
//
//   memory_cluster shared(post);            // post: how handlers are run later
//   auto dir = make_memory_directory(shared);
//   auto bus = make_memory_bus(shared, "node-a");
//
// `post` queues a function to run later (never inline): a test's manual
// queue or an io_context. Liveness uses `now` (a fake clock in tests).
// shared.set_down(true) makes every operation fail with unavailable and every
// bus go down (an outage); set_down(false) brings them back up.

#include "signaling/core/cluster.hpp"

#include <functional>
#include <memory>
#include <string>

namespace switchboard::core {

class memory_cluster {
public:
  using post_fn = std::function<void(std::function<void()>)>;
  using clock_fn = std::function<std::chrono::steady_clock::time_point()>;
  explicit memory_cluster(post_fn post, clock_fn now = [] { return std::chrono::steady_clock::now(); });
  ~memory_cluster();
  memory_cluster(const memory_cluster&) = delete;
  memory_cluster& operator=(const memory_cluster&) = delete;

  void set_down(bool down);
  bool down() const;
  // Bound on a bus's undelivered messages (per receiving node).
  void set_bus_limit(std::size_t messages);

  struct state;  // shared by the objects made from it

private:
  friend std::unique_ptr<peer_directory> make_memory_directory(memory_cluster&);
  friend std::unique_ptr<message_bus> make_memory_bus(memory_cluster&, std::string node);
  std::shared_ptr<state> state_;
};

std::unique_ptr<peer_directory> make_memory_directory(memory_cluster& shared);
std::unique_ptr<message_bus> make_memory_bus(memory_cluster& shared, std::string node);

}  // namespace switchboard::core
