// The contract suite on memory_cluster: handlers posted to the test's
// io_context, liveness on a clock the test moves.
#include "signaling/core/memory_cluster.hpp"
#include "tests/cluster/contract_env.hpp"

#include <boost/asio/post.hpp>

namespace switchboard::cluster::contract {
namespace {

class memory_env final : public env {
public:
  std::unique_ptr<core::peer_directory> directory() override { return core::make_memory_directory(cluster_); }
  std::unique_ptr<core::message_bus> bus(const std::string& node) override {
    return core::make_memory_bus(cluster_, node);
  }
  void limit_bus_queue(std::size_t messages) override { cluster_.set_bus_limit(messages); }
  void outage(bool down) override { cluster_.set_down(down); }
  std::chrono::milliseconds short_ttl() const override { return 1000ms; }
  void pass_time(std::chrono::milliseconds d) override { now_ += d; }

private:
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::now();
  core::memory_cluster cluster_{[this](std::function<void()> fn) { boost::asio::post(ioc, std::move(fn)); },
                                [this] { return now_; }};
};

}  // namespace

const std::vector<env_kind>& env_kinds() {
  static const std::vector<env_kind> kinds{{"Memory", [] { return std::make_unique<memory_env>(); }}};
  return kinds;
}

}  // namespace switchboard::cluster::contract
