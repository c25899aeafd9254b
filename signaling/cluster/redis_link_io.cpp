// hiredis' event-library hooks on Asio: the socket side of redis_link.
#include "signaling/cluster/redis_link.hpp"

#include <hiredis/async.h>

#include <boost/asio/post.hpp>

namespace switchboard::cluster {

namespace net = boost::asio;

namespace {
redis_link* link_of(void* p) { return static_cast<redis_link*>(p); }
}  // namespace

void redis_link::attach(redisAsyncContext* ac) {
  ctx_ = ac;
  reading_ = writing_ = false;
  // Waits of an older attempt may still be queued; they carry an older gen.
  read_armed_ = write_armed_ = false;
  ac->data = this;
  ac->ev.data = this;
  ac->ev.addRead = &redis_link::add_read_hook;
  ac->ev.delRead = &redis_link::del_read_hook;
  ac->ev.addWrite = &redis_link::add_write_hook;
  ac->ev.delWrite = &redis_link::del_write_hook;
  ac->ev.cleanup = &redis_link::cleanup_hook;
}

bool redis_link::write_command(const redis_argv& argv) {
  if (ctx_ == nullptr || argv.empty()) return false;
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& arg : argv) {
    ptrs.push_back(arg.data());
    lens.push_back(arg.size());
  }
  return redisAsyncCommandArgv(ctx_, &redis_link::reply_hook, this, static_cast<int>(argv.size()), ptrs.data(),
                               lens.data()) == REDIS_OK;
}

void redis_link::reply_hook(redisAsyncContext*, void* reply, void* self) { link_of(self)->on_reply(reply); }

void redis_link::add_read_hook(void* self) {
  auto* l = link_of(self);
  l->reading_ = true;
  l->arm_read();
}

void redis_link::del_read_hook(void* self) { link_of(self)->reading_ = false; }

void redis_link::add_write_hook(void* self) {
  auto* l = link_of(self);
  l->writing_ = true;
  l->arm_write();
}

void redis_link::del_write_hook(void* self) { link_of(self)->writing_ = false; }

void redis_link::cleanup_hook(void* self) { link_of(self)->on_context_freed(); }

// hiredis wants level-triggered interest until it calls delRead/delWrite;
// an Asio wait fires once, so each completion re-arms while interest lasts.
// A wait left pending after delRead completes later and is ignored.
void redis_link::arm_read() {
  if (read_armed_ || !socket_.is_open()) return;
  read_armed_ = true;
  socket_.async_wait(net::posix::descriptor_base::wait_read,
                     [self = shared_from_this(), gen = gen_](const boost::system::error_code& ec) {
                       self->on_readable(gen, ec);
                     });
}

void redis_link::arm_write() {
  if (write_armed_ || !socket_.is_open()) return;
  write_armed_ = true;
  socket_.async_wait(net::posix::descriptor_base::wait_write,
                     [self = shared_from_this(), gen = gen_](const boost::system::error_code& ec) {
                       self->on_writable(gen, ec);
                     });
}

void redis_link::on_readable(std::uint64_t gen, const boost::system::error_code& ec) {
  if (gen != gen_) return;
  read_armed_ = false;
  if (ec || ctx_ == nullptr || !reading_) return;
  // May free the context (EOF, error, or close() from a callback).
  redisAsyncHandleRead(ctx_);
  if (ctx_ != nullptr && reading_) arm_read();
}

void redis_link::on_writable(std::uint64_t gen, const boost::system::error_code& ec) {
  if (gen != gen_) return;
  write_armed_ = false;
  if (ec || ctx_ == nullptr || !writing_) return;
  // Completes a pending connect first; may free the context when it failed.
  redisAsyncHandleWrite(ctx_);
  if (ctx_ != nullptr && writing_) arm_write();
}

// hiredis is about to close the fd and free the context: let go of the fd
// without closing it. When hiredis freed the context on its own (EOF, reset,
// refused), this is where the link learns it is lost.
void redis_link::on_context_freed() {
  reading_ = writing_ = false;
  if (socket_.is_open()) socket_.release();
  if (phase_ == phase::closed) return;
  if (phase_ != phase::lost) {
    const char* why = ctx_ != nullptr && ctx_->errstr != nullptr ? ctx_->errstr : "connection closed";
    lost_reason_ = "redis " + where_ + ": " + (why[0] != '\0' ? why : "connection closed");
    lost_was_ready_ = phase_ == phase::ready;
    phase_ = phase::lost;
    connect_timer_.cancel();
  }
  ctx_ = nullptr;
  net::post(ex_, [self = shared_from_this(), gen = gen_] { self->after_lost(gen); });
}

}  // namespace switchboard::cluster
