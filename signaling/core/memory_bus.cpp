// memory_cluster's message bus: each receiving bus has one FIFO (its
// serial_runner) fed under the cluster's lock, so messages from one sender
// arrive in order, and handlers never run inside send().

#include "signaling/core/memory_cluster_state.hpp"

#include <algorithm>

namespace switchboard::core {
namespace {

using state_ptr = std::shared_ptr<memory_cluster::state>;
using core_ptr = std::shared_ptr<memory_bus_core>;

bool receiving(const memory_bus_core& b) { return b.started && !b.closed; }

// Queues one delivery to `to` (under the cluster's lock). The receiver may
// close before it runs: the message is then dropped (at most once).
void enqueue(const state_ptr& s, const core_ptr& to, const core_ptr& from,
             const std::shared_ptr<const std::string>& payload) {
  ++to->inbound;
  ++from->outbound;
  // Weak: the queued delivery lives in the receiver's own runner, so a strong
  // reference would keep the receiver (and its queue) alive forever when the
  // post function never runs what it was given.
  to->runner->push([s, weak_to = std::weak_ptr(to), weak_from = std::weak_ptr(from), payload] {
    auto receiver = weak_to.lock();
    bool deliver = false;
    if (receiver) {
      std::lock_guard lock(s->mutex);
      --receiver->inbound;
      deliver = receiving(*receiver);
    }
    if (auto sender = weak_from.lock()) --sender->outbound;
    if (deliver && receiver->on_message) receiver->on_message(*payload);
  });
}

class memory_bus final : public message_bus {
public:
  memory_bus(state_ptr s, std::string node) : s_(std::move(s)), core_(std::make_shared<memory_bus_core>()) {
    core_->node = std::move(node);
    core_->runner = std::make_shared<serial_runner>(s_->post);
    std::lock_guard lock(s_->mutex);
    s_->buses.push_back(core_);
  }

  ~memory_bus() override {
    std::lock_guard lock(s_->mutex);
    core_->closed = true;
    auto& buses = s_->buses;
    buses.erase(std::remove(buses.begin(), buses.end(), core_), buses.end());
  }

  void on_message(std::function<void(std::string_view)> handler) override { core_->on_message = std::move(handler); }
  void on_state(std::function<void(bool)> handler) override { core_->on_state = std::move(handler); }

  void start() override {
    std::lock_guard lock(s_->mutex);
    if (core_->started || core_->closed) return;
    core_->started = true;
    if (s_->down) return;  // the up transition comes with set_down(false)
    push_state(s_, core_, true);
  }

  void close() override {
    std::lock_guard lock(s_->mutex);
    core_->closed = true;
  }

  bool send(std::string_view node, std::string payload) override {
    std::lock_guard lock(s_->mutex);
    if (!usable()) return false;
    std::vector<core_ptr> targets;
    for (const auto& b : s_->buses)
      if (receiving(*b) && b->node == node) targets.push_back(b);
    if (targets.empty() && unreceived_) {
      // As a PUBLISH that reached no subscriber: reported later, never inside send().
      core_->runner->push([handler = unreceived_, node = std::string(node), payload = std::move(payload)] {
        handler(node, payload);
      });
      return true;
    }
    return deliver(targets, std::move(payload));
  }

  void on_unreceived(std::function<void(std::string_view, std::string_view)> handler) override {
    unreceived_ = std::move(handler);
  }

  bool broadcast(std::string payload) override {
    std::lock_guard lock(s_->mutex);
    if (!usable()) return false;
    std::vector<core_ptr> targets;
    for (const auto& b : s_->buses)
      if (receiving(*b)) targets.push_back(b);
    return deliver(targets, std::move(payload));
  }

  bool up() const override {
    std::lock_guard lock(s_->mutex);
    return usable();
  }

  std::size_t queued() const override { return core_->outbound.load(); }

private:
  bool usable() const { return !s_->down && receiving(*core_); }

  // All or nothing: a receiver at its bound refuses the whole message.
  bool deliver(const std::vector<core_ptr>& targets, std::string payload) {
    for (const auto& t : targets)
      if (t->inbound >= s_->bus_limit) return false;
    auto shared = std::make_shared<const std::string>(std::move(payload));
    for (const auto& t : targets) enqueue(s_, t, core_, shared);
    return true;  // no receiver: dropped, as a PUBLISH nobody hears
  }

  state_ptr s_;
  core_ptr core_;
  std::function<void(std::string_view, std::string_view)> unreceived_;  // set before start
};

}  // namespace

void push_state(const state_ptr& s, const core_ptr& bus, bool up) {
  bus->runner->push([s, weak = std::weak_ptr(bus), up] {
    auto b = weak.lock();
    if (!b) return;
    bool closed;
    {
      std::lock_guard lock(s->mutex);
      closed = b->closed;
    }
    if (!closed && b->on_state) b->on_state(up);
  });
}

std::unique_ptr<message_bus> make_memory_bus(memory_cluster& shared, std::string node) {
  return std::make_unique<memory_bus>(shared.state_, std::move(node));
}

}  // namespace switchboard::core
