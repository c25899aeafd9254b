#include "signaling/core/memory_cluster.hpp"

#include "signaling/core/memory_cluster_state.hpp"

namespace switchboard::core {

void serial_runner::push(std::function<void()> fn) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(fn));
  if (scheduled_) return;
  scheduled_ = true;
  post_([self = shared_from_this()] { self->drain(); });
}

void serial_runner::drain() {
  // A batch per post, so that a busy bus does not hold its thread forever.
  constexpr int batch = 64;
  for (int i = 0; i < batch; ++i) {
    std::function<void()> fn;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) {
        scheduled_ = false;
        return;
      }
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    fn();
  }
  post_([self = shared_from_this()] { self->drain(); });
}

memory_cluster::memory_cluster(post_fn post, clock_fn now)
    : state_(std::make_shared<state>(std::move(post), std::move(now))) {}

memory_cluster::~memory_cluster() = default;

void memory_cluster::set_down(bool down) {
  std::lock_guard lock(state_->mutex);
  if (state_->down == down) return;
  state_->down = down;
  for (const auto& bus : state_->buses) {
    if (!bus->started || bus->closed) continue;
    push_state(state_, bus, !down);
  }
}

bool memory_cluster::down() const {
  std::lock_guard lock(state_->mutex);
  return state_->down;
}

void memory_cluster::set_bus_limit(std::size_t messages) {
  std::lock_guard lock(state_->mutex);
  state_->bus_limit = messages;
}

namespace {

class memory_directory final : public peer_directory {
public:
  explicit memory_directory(std::shared_ptr<memory_cluster::state> s)
      : s_(std::move(s)), runner_(std::make_shared<serial_runner>(s_->post)) {}

  void claim(const directory_entry& e, std::function<void(directory_status)> done) override {
    run([&] { return s_->store.claim(e); }, std::move(done));
  }

  void lookup(std::string_view id, std::function<void(directory_status, directory_entry)> done) override {
    std::lock_guard lock(s_->mutex);
    directory_entry e;
    auto status = s_->down ? directory_status::unavailable : s_->store.lookup(id, e);
    runner_->push([done = std::move(done), status, e = std::move(e)]() mutable { done(status, std::move(e)); });
  }

  void take_over(std::string_view id, std::string_view node, std::string_view token_hash,
                 std::string_view new_token_hash,
                 std::function<void(directory_status, directory_entry, std::string)> done) override {
    std::lock_guard lock(s_->mutex);
    directory_entry e;
    std::string previous;
    auto status = s_->down ? directory_status::unavailable
                           : s_->store.take_over(id, node, token_hash, new_token_hash, e, previous);
    runner_->push([done = std::move(done), status, e = std::move(e), previous = std::move(previous)]() mutable {
      done(status, std::move(e), std::move(previous));
    });
  }

  void update_token(std::string_view id, std::string_view node, std::uint64_t epoch, std::string_view new_token_hash,
                    std::function<void(directory_status)> done) override {
    run([&] { return s_->store.update_token(id, node, epoch, new_token_hash); }, std::move(done));
  }

  void release(std::string_view id, std::string_view node, std::uint64_t epoch,
               std::function<void(directory_status)> done) override {
    run([&] { return s_->store.release(id, node, epoch); }, std::move(done));
  }

  void reassert(const directory_entry& e, std::function<void(directory_status)> done) override {
    run([&] { return s_->store.reassert(e); }, std::move(done));
  }

  void heartbeat(std::string_view node, std::chrono::milliseconds ttl,
                 std::function<void(directory_status)> done) override {
    run(
        [&] {
          s_->store.heartbeat(node, s_->now() + ttl);
          return directory_status::ok;
        },
        std::move(done));
  }

  void nodes(std::function<void(directory_status, std::vector<node_state>)> done) override {
    std::lock_guard lock(s_->mutex);
    std::vector<node_state> out;
    auto status = directory_status::unavailable;
    if (!s_->down) {
      out = s_->store.nodes(s_->now());
      status = directory_status::ok;
    }
    runner_->push([done = std::move(done), status, out = std::move(out)]() mutable { done(status, std::move(out)); });
  }

  void adopt(std::string_view dead, std::string_view by,
             std::function<void(directory_status, std::vector<directory_entry>)> done) override {
    std::lock_guard lock(s_->mutex);
    std::vector<directory_entry> moved;
    auto status = s_->down ? directory_status::unavailable : s_->store.adopt(dead, by, s_->now(), moved);
    runner_->push(
        [done = std::move(done), status, moved = std::move(moved)]() mutable { done(status, std::move(moved)); });
  }

  void remove_node(std::string_view node, std::function<void(directory_status)> done) override {
    run(
        [&] {
          s_->store.remove_node(node);
          return directory_status::ok;
        },
        std::move(done));
  }

private:
  // Applies `op` under the lock (unless the cluster is down) and queues the
  // handler while still holding it: handlers run in the order ops completed.
  template <class Op>
  void run(Op&& op, std::function<void(directory_status)> done) {
    std::lock_guard lock(s_->mutex);
    auto status = s_->down ? directory_status::unavailable : op();
    runner_->push([done = std::move(done), status] { done(status); });
  }

  std::shared_ptr<memory_cluster::state> s_;
  std::shared_ptr<serial_runner> runner_;
};

}  // namespace

std::unique_ptr<peer_directory> make_memory_directory(memory_cluster& shared) {
  return std::make_unique<memory_directory>(shared.state_);
}

}  // namespace switchboard::core
