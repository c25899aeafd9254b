#include "signaling/app/cluster_runtime.hpp"

#include "signaling/cluster/redis_bus.hpp"
#include "signaling/cluster/redis_connection.hpp"
#include "signaling/cluster/redis_directory.hpp"
#include "signaling/cluster/redis_subscriber.hpp"
#include "signaling/metrics/cluster_metrics.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <future>
#include <stdexcept>
#include <thread>

namespace switchboard::app {
namespace asio = boost::asio;
using std::chrono::steady_clock;

namespace {

cluster::redis_options redis_options_from(const cluster_runtime_options& o, const std::string& name) {
  auto parsed = cluster::parse_redis_url(o.redis_url);
  if (!parsed.url) throw std::invalid_argument("cluster.redis.url: " + parsed.error);
  cluster::redis_options r;
  r.url = *parsed.url;
  if (!o.redis_password.empty()) r.url.password = o.redis_password;
  r.client_name = name;
  r.connect_timeout = o.connect_timeout;
  r.command_timeout = o.command_timeout;
  r.heartbeat_interval = o.heartbeat_interval;
  r.max_pending_commands = o.max_pending_commands;
  r.heartbeat_channel = o.key_prefix + "subscriber-heartbeat";
  return r;
}

// The hub's cluster events: to the metrics, and the transitions to the log.
class logged_events final : public core::cluster_events {
public:
  logged_events(metrics::cluster_metrics& m, std::shared_ptr<spdlog::logger> log) : m_(m), log_(std::move(log)) {}
  void published() override { m_.published(); }
  void received() override { m_.received(); }
  void envelope_dropped(dropped why) override { m_.envelope_dropped(why); }
  void handoff_done(handoff kind) override {
    m_.handoff_done(kind);
    if (kind == handoff::timed_out) {
      log_->warn("cluster: a resumed peer's previous replica did not hand it over in time: resumed without "
                 "what that replica held");
    } else if (kind == handoff::close_timed_out) {
      log_->warn("cluster: a drained client did not answer its close within a quarter of "
                 "cluster.handoff_timeout: handed its peer over without waiting for its last messages");
    }
  }
  void dead_node_adopted(std::size_t peers) override {
    m_.dead_node_adopted(peers);
    log_->warn("cluster: took over {} peer(s) of a replica whose liveness ran out; they may resume within "
               "peers.resume_grace",
               peers);
  }
  void dead_node_peer_left() override { m_.dead_node_peer_left(); }
  void degraded(bool on) override {
    m_.degraded(on);
    if (on) {
      degraded_since_ = steady_clock::now();
      log_->warn("cluster: degraded: the bus to the other replicas is down; only calls between peers on this "
                 "replica work, others are answered `unavailable`");
    } else {
      log_->info("cluster: the bus is up: messages reach every replica");
    }
    on_ = on;
  }
  void reasserted(std::size_t peers, std::size_t lost) override {
    m_.reasserted(peers, lost);
    if (peers != 0) log_->info("cluster: writing {} peer(s) back to the directory", peers);
    if (lost != 0) log_->warn("cluster: a peer was taken over by another replica while this one was cut off: closed");
  }
  // Time degraded since the last call.
  steady_clock::duration take_degraded(steady_clock::time_point now) {
    if (!on_) return {};
    const auto d = now - degraded_since_;
    degraded_since_ = now;
    return d;
  }

private:
  metrics::cluster_metrics& m_;
  std::shared_ptr<spdlog::logger> log_;
  bool on_ = true;  // down until the bus first comes up
  steady_clock::time_point degraded_since_ = steady_clock::now();
};

}  // namespace

struct cluster_runtime::impl {
  impl(cluster_runtime_options o, core::hub& h, prometheus::Registry& registry, std::shared_ptr<spdlog::logger> l)
      : opts(std::move(o)),
        hub(h),
        log(std::move(l)),
        m(registry),
        events(m, log),
        redis(strand, with_hooks(redis_options_from(opts, "switchboard-" + opts.node), false)),
        sub(strand, with_hooks(redis_options_from(opts, "switchboard-" + opts.node + "-bus"), true)) {
    cluster::redis_bus_options bo;
    bo.node = opts.node;
    bo.key_prefix = opts.key_prefix;
    bo.max_queued = opts.max_bus_queue;
    bo.command_state = [this](bool up, const std::string& why) {
      if (up) {
        log->info("cluster: Redis connection up ({})", redacted_url);
      } else {
        log->warn("cluster: Redis connection down: {}", why);
      }
    };
    bo.hooks.refused = [this] { m.bus_refused(); };
    dir = cluster::make_redis_directory(redis, opts.key_prefix, strand);
    bus = cluster::make_redis_bus(redis, sub, strand, std::move(bo));
    core::hub_cluster_config hc;
    hc.node = opts.node;
    hc.handoff_timeout = opts.handoff_timeout;
    hc.node_ttl = opts.node_ttl;
    hc.heartbeat_interval = opts.heartbeat_interval;
    hub.join_cluster(hc, *dir, *bus, events);
    m.degraded(true);
  }

  cluster::redis_options with_hooks(cluster::redis_options r, bool subscriber) {
    redacted_url = cluster::redacted(r.url);
    r.hooks.connected = [this, subscriber](bool up) { m.redis_up(subscriber, up); };
    r.hooks.reconnect = [this] { m.redis_reconnect(); };
    r.hooks.attempt_failed = [this, subscriber](std::string_view why) {
      // Once per backoff step at most: attempts are already spaced out.
      log->warn("cluster: Redis {}connection attempt failed: {}", subscriber ? "subscriber " : "", why);
    };
    r.hooks.latency = [this](steady_clock::duration d) { m.command_latency(d); };
    r.hooks.timeout = [this] { m.command_timeout(); };
    return r;
  }

  void tick() {
    timer.expires_after(opts.heartbeat_interval);
    timer.async_wait([this](boost::system::error_code ec) {
      if (ec || stopping) return;
      const auto now = steady_clock::now();
      hub.cluster_tick(now);
      m.sample(bus->queued(), events.take_degraded(now));
      tick();
    });
  }

  cluster_runtime_options opts;
  core::hub& hub;
  std::shared_ptr<spdlog::logger> log;
  std::string redacted_url;
  metrics::cluster_metrics m;
  logged_events events;
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  asio::strand<asio::io_context::executor_type> strand{ioc.get_executor()};
  cluster::redis_connection redis;
  cluster::redis_subscriber sub;
  std::unique_ptr<core::peer_directory> dir;
  std::unique_ptr<core::message_bus> bus;
  asio::steady_timer timer{strand};
  std::jthread thread;
  bool stopping = false;  // strand only
  bool stopped = false;   // the owner's thread only
};

cluster_runtime::cluster_runtime(cluster_runtime_options opts, core::hub& hub, prometheus::Registry& registry,
                                 std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_unique<impl>(std::move(opts), hub, registry, std::move(log))) {}

cluster_runtime::~cluster_runtime() { stop(); }

void cluster_runtime::start() {
  auto& i = *impl_;
  i.log->info("cluster: node {} joining through {} (keys under \"{}\")", i.opts.node, i.redacted_url,
              i.opts.key_prefix);
  asio::post(i.strand, [&i] {
    i.redis.start();
    i.bus->start();
    i.hub.cluster_tick(steady_clock::now());  // liveness at once, not a heartbeat later
    i.tick();
  });
  i.thread = std::jthread([&i] { i.ioc.run(); });
}

void cluster_runtime::stop() {
  auto& i = *impl_;
  if (i.stopped) return;
  i.stopped = true;
  if (i.thread.joinable()) {
    // Shared: the answer may come after the wait below gave up.
    auto left = std::make_shared<std::promise<void>>();
    auto done = left->get_future();
    asio::post(i.strand, [&i, left] {
      i.stopping = true;
      i.timer.cancel();
      if (i.hub.peer_count() != 0 || !i.bus->up()) {
        left->set_value();
        return;
      }
      i.dir->remove_node(i.opts.node, [left](core::directory_status) { left->set_value(); });
    });
    // Bounded: a stuck Redis must not hold the exit.
    if (done.wait_for(i.opts.command_timeout + std::chrono::milliseconds(500)) != std::future_status::ready) {
      i.log->warn("cluster: leaving the node list timed out");
    }
    std::promise<void> closed;
    auto closed_done = closed.get_future();
    asio::post(i.strand, [&i, &closed] {
      i.bus->close();
      i.redis.close();
      closed.set_value();
    });
    closed_done.wait();
    i.work.reset();
    i.thread.join();
  }
}

bool cluster_runtime::handoffs_pending() const { return impl_->hub.detached_count() != 0; }

}  // namespace switchboard::app
