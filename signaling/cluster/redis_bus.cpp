#include "signaling/cluster/redis_bus.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <atomic>

namespace switchboard::cluster {
namespace {

namespace net = boost::asio;

void call(const std::function<void()>& hook) {
  if (hook) hook();
}

// Shared with the handlers given to the connection and the subscriber, which
// may outlive the bus: `gone` says whether they may still be touched.
struct bus_state {
  redis_connection* redis = nullptr;
  redis_subscriber* subscriber = nullptr;
  net::any_io_executor strand;
  redis_bus_options opts;
  std::string own_channel;
  std::string all_channel;
  std::function<void(std::string_view)> on_message;  // set before start
  std::function<void(bool)> on_state;                // set before start
  std::function<void(std::string_view, std::string_view)> on_unreceived;  // set before start; may be empty

  std::atomic<bool> up{false};
  std::atomic<std::size_t> queued{0};
  std::atomic<bool> gone{false};
  // On the strand only.
  bool started = false;
  bool closed = false;

  // Reports a change of (started, connection up, subscriber up): called by
  // the connection's and subscriber's state handlers, and after start.
  void update() {
    if (gone) return;
    const bool now = started && !closed && redis->up() && subscriber->up();
    if (now == up.load()) return;
    up = now;
    if (on_state) on_state(now);
  }

  void deliver(std::string_view channel, std::string_view payload) {
    if (gone || !started || closed) return;
    if (channel != own_channel && channel != all_channel) return;
    call(opts.hooks.received);
    if (on_message) on_message(payload);
  }

  void do_close() {
    if (gone || closed) return;
    closed = true;
    up = false;  // no down report: the owner asked for it
    subscriber->close();
  }
};

class redis_bus final : public core::message_bus {
public:
  redis_bus(redis_connection& redis, redis_subscriber& subscriber, net::any_io_executor strand,
            redis_bus_options opts)
      : s_(std::make_shared<bus_state>()) {
    s_->redis = &redis;
    s_->subscriber = &subscriber;
    s_->strand = std::move(strand);
    s_->own_channel = bus_channel(opts.key_prefix, opts.node);
    s_->all_channel = broadcast_channel(opts.key_prefix);
    s_->opts = std::move(opts);
    redis.on_state([s = s_](bool up, const std::string& why) {
      s->update();
      if (s->opts.command_state) s->opts.command_state(up, why);
    });
    subscriber.on_state([s = s_](bool, const std::string&) { s->update(); });
    subscriber.on_message([s = s_](std::string_view channel, std::string_view payload) { s->deliver(channel, payload); });
  }

  // On the strand, like the connection and subscriber it uses.
  ~redis_bus() override {
    s_->do_close();
    s_->gone = true;
  }

  void on_message(std::function<void(std::string_view)> handler) override { s_->on_message = std::move(handler); }
  void on_state(std::function<void(bool)> handler) override { s_->on_state = std::move(handler); }

  void start() override {
    // Posted even on the strand: an up report must not run inside start().
    net::post(s_->strand, [s = s_] {
      if (s->gone || s->started || s->closed) return;
      s->started = true;
      s->subscriber->subscribe(s->own_channel);
      s->subscriber->subscribe(s->all_channel);
      s->subscriber->start();
      s->update();
    });
  }

  void close() override {
    s_->up = false;
    net::dispatch(s_->strand, [s = s_] { s->do_close(); });
  }

  bool send(std::string_view node, std::string payload) override {
    return publish(bus_channel(s_->opts.key_prefix, std::string(node)), std::move(payload), node);
  }

  void on_unreceived(std::function<void(std::string_view, std::string_view)> handler) override {
    s_->on_unreceived = std::move(handler);
  }

  bool broadcast(std::string payload) override { return publish(s_->all_channel, std::move(payload)); }

  bool up() const override { return s_->up.load(); }
  std::size_t queued() const override { return s_->queued.load(); }

private:
  // One PUBLISH per message. The count goes up before the hop to the strand,
  // so the bound holds however many threads send.
  // `node`: a send (PUBLISH answered 0 is reported to on_unreceived); empty for a broadcast.
  bool publish(std::string channel, std::string payload, std::string_view node = {}) {
    if (!s_->up.load()) return refuse();
    if (s_->queued.fetch_add(1) >= s_->opts.max_queued) {
      --s_->queued;
      return refuse();
    }
    net::dispatch(s_->strand, [s = s_, channel = std::move(channel), payload = std::move(payload),
                               node = std::string(node)]() mutable {
      if (s->gone || s->closed) return finished(*s, false);
      // Kept only to hand back if nobody hears it (a copy: argv takes the original).
      std::string kept = !node.empty() && s->on_unreceived ? payload : std::string();
      redis_argv argv;
      argv.reserve(3);
      argv.emplace_back("PUBLISH");
      argv.push_back(std::move(channel));
      argv.push_back(std::move(payload));
      s->redis->command(std::move(argv), [s, node = std::move(node), kept = std::move(kept)](std::error_code ec,
                                                                                             redis_reply r) {
        const bool ok = !ec && !r.is_error();
        finished(*s, ok);
        if (ok && !node.empty() && r.type == redis_reply::kind::integer && r.integer == 0 && s->on_unreceived &&
            !s->gone) {
          s->on_unreceived(node, kept);
        }
      });
    });
    return true;
  }

  bool refuse() {
    call(s_->opts.hooks.refused);
    return false;
  }

  static void finished(bus_state& s, bool published) {
    --s.queued;
    call(published ? s.opts.hooks.published : s.opts.hooks.dropped);
  }

  std::shared_ptr<bus_state> s_;
};

}  // namespace

std::string bus_channel(const std::string& key_prefix, const std::string& node) { return key_prefix + "bus:" + node; }
std::string broadcast_channel(const std::string& key_prefix) { return key_prefix + "bus:all"; }

std::unique_ptr<core::message_bus> make_redis_bus(redis_connection& redis, redis_subscriber& subscriber,
                                                  boost::asio::any_io_executor strand, redis_bus_options options) {
  return std::make_unique<redis_bus>(redis, subscriber, std::move(strand), std::move(options));
}

}  // namespace switchboard::cluster
