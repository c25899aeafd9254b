#include "signaling/cluster/redis_directory.hpp"

#include "signaling/cluster/directory_scripts.hpp"

#include <boost/asio/dispatch.hpp>

#include <atomic>

namespace switchboard::cluster {
namespace {

namespace net = boost::asio;
namespace dir = directory;
using core::directory_entry;
using core::directory_status;

// What a queued call needs after the directory may be gone: the flag says
// whether `redis` may still be touched.
struct shared {
  redis_connection* redis = nullptr;
  std::string prefix;
  net::any_io_executor strand;
  std::shared_ptr<script_set> scripts = std::make_shared<script_set>(std::vector<const redis_script*>{
      &dir::claim_script(), &dir::take_over_script(), &dir::update_token_script(), &dir::release_script(),
      &dir::reassert_script(), &dir::heartbeat_script(), &dir::nodes_script(), &dir::adopt_script(),
      &dir::remove_node_script()});
  std::atomic<bool> gone{false};
};

class redis_directory final : public core::peer_directory {
public:
  redis_directory(redis_connection& redis, std::string prefix, net::any_io_executor strand)
      : s_(std::make_shared<shared>()) {
    s_->redis = &redis;
    s_->prefix = std::move(prefix);
    s_->strand = std::move(strand);
  }
  ~redis_directory() override { s_->gone = true; }

  void claim(const directory_entry& e, std::function<void(directory_status)> done) override {
    auto args = dir::entry_args(e, 1);
    args.insert(args.begin(), e.id);
    eval(dir::claim_script(), {peer(e.id), peers(e.node)}, std::move(args), status_only(std::move(done)));
  }

  void lookup(std::string_view id, std::function<void(directory_status, directory_entry)> done) override {
    run(
        {"HGETALL", peer(id)},
        [id = std::string(id), done = std::move(done)](std::error_code ec, redis_reply r) mutable {
          directory_entry e;
          if (ec || r.is_error() || r.type != redis_reply::kind::array) return done(directory_status::unavailable, e);
          if (r.elements.empty()) return done(directory_status::not_found, e);
          if (!dir::decode_entry(std::move(id), r, e)) return done(directory_status::unavailable, directory_entry{});
          done(directory_status::ok, std::move(e));
        },
        [done] { done(directory_status::unavailable, directory_entry{}); });
  }

  void take_over(std::string_view id, std::string_view node, std::string_view token_hash,
                 std::string_view new_token_hash,
                 std::function<void(directory_status, directory_entry, std::string)> done) override {
    eval(dir::take_over_script(), {peer(id)},
         {s_->prefix, std::string(id), std::string(node), std::string(token_hash), std::string(new_token_hash)},
         [id = std::string(id), done = std::move(done)](std::error_code ec, redis_reply r) mutable {
           directory_entry e;
           std::string previous;
           auto status = ec ? directory_status::unavailable : dir::decode_take_over(std::move(id), r, e, previous);
           if (status != directory_status::ok) return done(status, directory_entry{}, std::string());
           done(status, std::move(e), std::move(previous));
         });
  }

  void update_token(std::string_view id, std::string_view node, std::uint64_t epoch, std::string_view new_token_hash,
                    std::function<void(directory_status)> done) override {
    eval(dir::update_token_script(), {peer(id)},
         {std::string(node), std::to_string(epoch), std::string(new_token_hash)}, status_only(std::move(done)));
  }

  void release(std::string_view id, std::string_view node, std::uint64_t epoch,
               std::function<void(directory_status)> done) override {
    eval(dir::release_script(), {peer(id), peers(node)}, {std::string(id), std::string(node), std::to_string(epoch)},
         status_only(std::move(done)));
  }

  void reassert(const directory_entry& e, std::function<void(directory_status)> done) override {
    auto args = dir::entry_args(e, e.epoch);
    args.insert(args.begin(), e.id);
    eval(dir::reassert_script(), {peer(e.id), peers(e.node)}, std::move(args), status_only(std::move(done)));
  }

  void heartbeat(std::string_view node, std::chrono::milliseconds ttl,
                 std::function<void(directory_status)> done) override {
    eval(dir::heartbeat_script(), {dir::alive_key(s_->prefix, node), dir::nodes_key(s_->prefix)},
         {std::string(node), std::to_string(std::max<long long>(1, ttl.count()))}, status_only(std::move(done)));
  }

  void nodes(std::function<void(directory_status, std::vector<core::node_state>)> done) override {
    eval(dir::nodes_script(), {dir::nodes_key(s_->prefix)}, {s_->prefix},
         [done = std::move(done)](std::error_code ec, redis_reply r) {
           std::vector<core::node_state> out;
           auto status = ec ? directory_status::unavailable : dir::decode_nodes(r, out);
           if (status != directory_status::ok) out.clear();
           done(status, std::move(out));
         });
  }

  void adopt(std::string_view dead, std::string_view by,
             std::function<void(directory_status, std::vector<directory_entry>)> done) override {
    eval(dir::adopt_script(),
         {dir::alive_key(s_->prefix, dead), dir::nodes_key(s_->prefix), peers(dead), peers(by)},
         {s_->prefix, std::string(dead), std::string(by)}, [done = std::move(done)](std::error_code ec, redis_reply r) {
           std::vector<directory_entry> moved;
           auto status = ec ? directory_status::unavailable : dir::decode_adopt(r, moved);
           if (status != directory_status::ok) moved.clear();
           done(status, std::move(moved));
         });
  }

  void remove_node(std::string_view node, std::function<void(directory_status)> done) override {
    eval(dir::remove_node_script(), {dir::alive_key(s_->prefix, node), dir::nodes_key(s_->prefix)},
         {std::string(node)}, status_only(std::move(done)));
  }

private:
  std::string peer(std::string_view id) const { return dir::peer_key(s_->prefix, id); }
  std::string peers(std::string_view node) const { return dir::peers_key(s_->prefix, node); }

  static redis_callback status_only(std::function<void(directory_status)> done) {
    return [done = std::move(done)](std::error_code ec, redis_reply r) {
      done(ec ? directory_status::unavailable : dir::status_of(r));
    };
  }

  // The reply callback of a script: an error code or error reply becomes an
  // unavailable reply for the decoders (none of them accepts an error).
  void eval(const redis_script& script, redis_argv keys, redis_argv args, redis_callback cb) {
    auto fail = [cb] { cb(make_error_code(redis_errc::shut_down), redis_reply{}); };
    net::dispatch(s_->strand, [s = s_, &script, keys = std::move(keys), args = std::move(args), cb = std::move(cb),
                               fail = std::move(fail)]() mutable {
      if (s->gone) return fail();
      s->scripts->eval(*s->redis, script, keys, args, std::move(cb));
    });
  }

  void run(redis_argv argv, redis_callback cb, std::function<void()> fail) {
    net::dispatch(s_->strand, [s = s_, argv = std::move(argv), cb = std::move(cb), fail = std::move(fail)]() mutable {
      if (s->gone) return fail();
      s->redis->command(std::move(argv), std::move(cb));
    });
  }

  std::shared_ptr<shared> s_;
};

}  // namespace

std::unique_ptr<core::peer_directory> make_redis_directory(redis_connection& redis, std::string key_prefix,
                                                           boost::asio::any_io_executor strand) {
  return std::make_unique<redis_directory>(redis, std::move(key_prefix), std::move(strand));
}

}  // namespace switchboard::cluster
