#pragma once
// Internals of memory_cluster shared by memory_cluster.cpp (the directory)
// and memory_bus.cpp. Not for use outside those two files.

#include "signaling/core/memory_cluster.hpp"

#include <atomic>
#include <deque>
#include <mutex>
#include <set>
#include <unordered_map>

namespace switchboard::core {

// Runs queued handlers one at a time, in the order they were queued, however
// many threads run the post function: the interface promises that handlers of
// one object never overlap.
class serial_runner : public std::enable_shared_from_this<serial_runner> {
public:
  explicit serial_runner(memory_cluster::post_fn post) : post_(std::move(post)) {}
  void push(std::function<void()> fn);

private:
  void drain();

  memory_cluster::post_fn post_;
  std::mutex mutex_;
  std::deque<std::function<void()>> queue_;
  bool scheduled_ = false;
};

// The directory's data and rules, no threads and no handlers: what Redis keeps
// under the same keys (signaling/cluster/redis_directory).
class directory_store {
public:
  using time_point = std::chrono::steady_clock::time_point;

  directory_status claim(const directory_entry& e);
  directory_status lookup(std::string_view id, directory_entry& out) const;
  directory_status take_over(std::string_view id, std::string_view node, std::string_view token_hash,
                             std::string_view new_token_hash, directory_entry& out, std::string& previous);
  directory_status update_token(std::string_view id, std::string_view node, std::uint64_t epoch,
                                std::string_view new_token_hash);
  directory_status release(std::string_view id, std::string_view node, std::uint64_t epoch);
  directory_status reassert(const directory_entry& e);
  void heartbeat(std::string_view node, time_point until);
  std::vector<node_state> nodes(time_point now) const;
  directory_status adopt(std::string_view dead, std::string_view by, time_point now,
                         std::vector<directory_entry>& moved);
  void remove_node(std::string_view node);

private:
  directory_entry* find(std::string_view id);
  bool owned_by(const directory_entry& e, std::string_view node, std::uint64_t epoch) const;
  bool alive(const std::string& node, time_point now) const;
  void place(directory_entry e);  // writes e and files it under its node
  void unfile(const std::string& id, const std::string& node);

  std::unordered_map<std::string, directory_entry> peers_;
  std::unordered_map<std::string, std::set<std::string>> node_peers_;
  std::unordered_map<std::string, time_point> alive_until_;
  std::set<std::string> nodes_;
};

// One bus's shared half: the handle (make_memory_bus) owns it, the cluster
// and queued deliveries keep it alive until they have run.
struct memory_bus_core {
  std::string node;
  std::shared_ptr<serial_runner> runner;
  std::function<void(std::string_view)> on_message;  // set before start
  std::function<void(bool)> on_state;                // set before start
  bool started = false;                              // guarded by state::mutex
  bool closed = false;                               // guarded by state::mutex
  std::size_t inbound = 0;                           // undelivered messages to it; guarded by state::mutex
  std::atomic<std::size_t> outbound{0};              // its messages not yet delivered
};

struct memory_cluster::state {
  state(post_fn p, clock_fn c) : post(std::move(p)), now(std::move(c)) {}

  const post_fn post;
  const clock_fn now;
  mutable std::mutex mutex;
  bool down = false;
  std::size_t bus_limit = 65536;
  directory_store store;
  std::vector<std::shared_ptr<memory_bus_core>> buses;
};

// Queues an up/down transition to `bus` (under state::mutex); dropped if the
// bus has closed by the time it runs.
void push_state(const std::shared_ptr<memory_cluster::state>& s, const std::shared_ptr<memory_bus_core>& bus,
                bool up);

}  // namespace switchboard::core
