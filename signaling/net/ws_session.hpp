#pragma once
// What every signaling WebSocket connection does, whatever carries its bytes:
// frames in → core::peer_connection → effects; outbound queue; close
// handshake (ws::close_state); keep-alive. Internal to signaling/net; the
// transports (websocket_session.cpp) read, write and close.
//
// Threads: a session runs on its strand. deliver() may come from any thread:
// it queues under mutex_ and asks for one flush per batch, not one per
// message: listed in the batch of readiness events under way on this thread
// (ws::flush_batch, one event-loop thread), or else posted to the strand.

#include "signaling/core/peer_connection.hpp"
#include "signaling/net/context.hpp"
#include "signaling/net/ws_close.hpp"
#include "signaling/net/ws_flush_batch.hpp"
#include "signaling/net/ws_frame.hpp"
#include "signaling/net/ws_outbox.hpp"
#include "signaling/net/ws_transport.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace switchboard::net {

class ws_session : public core::participant,
                   public ws::flush_batch::member,
                   public std::enable_shared_from_this<ws_session> {
public:
  ws_session(shared_context& ctx, connection_slot slot, strand_t strand);
  ~ws_session() override;

  void deliver(core::outbound_ptr msg) override;
  void close(core::close_code code) override;
  void started(const std::string& id) override;
  void end_of_batch() override { flush(); }

protected:
  // On the strand, before reading: registers the session, queues the 101
  // answer to `key`, starts the keep-alive, parses `early` (bytes the client
  // sent after its request). False when nothing more is to be read.
  // `query_token`: ?access_token= of the upgrade (used when auth.allow_query_token).
  bool begin(std::string_view key, std::string_view early, std::string query_token = {});

  // Parses every frame in `data` (unmasked in place); false once nothing
  // more is to be read.
  bool on_bytes(std::span<char> data);
  void on_read_error(const error_code& ec);
  void on_write_error(const error_code& ec);

  // Writing, for the transports' flush(): under mutex_.
  bool has_output_locked();  // also queues our close frame once it is due
  // At most `max_bytes` of messages (TLS copies what it gathers: keep that copy small).
  void gather_locked(byte_spans& pieces, std::size_t max_bytes = static_cast<std::size_t>(-1));
  // After every write, with the bytes it took (0 included: it still counts as a write).
  void sent_locked(std::size_t n);
  // Everything is written (close frame included, if any): what closing needs next.
  void on_flushed();
  // flush() at the end of the batch under way on this thread, or now when none is.
  void flush_soon();

  // The transport's part.
  virtual void flush() = 0;           // writes what is queued
  virtual void close_socket() = 0;    // now; must call closed()
  virtual void end_connection() = 0;  // after a complete close handshake

  // For close_socket(): stops the timer; nothing is read or written any more.
  void closed();

  shared_context& ctx_;
  std::mutex mutex_;  // guards outbox_ and the flags below it, which deliver() touches
  ws::outbox outbox_;
  bool accepting_ = true;      // deliver() queues; false once closing (but draining) or finished
  bool flush_posted_ = false;  // a flush is posted to the strand or listed in this thread's batch
  bool writing_ = false;       // a write or a wait for writability is in progress
  std::string pong_;           // the one pong waiting to be queued (a newer ping replaces it)
  // A drain detached this peer (hub::closing): messages that reach us once
  // nothing more may be written go back to the hub for its resume.
  std::string hand_back_;
  // Strand only:
  strand_t strand_;
  ws::close_state closer_;
  bool closed_ = false;  // the socket is closed

private:
  void perform(core::effects&& fx);
  void on_message(const std::shared_ptr<core::participant>& self, std::string_view payload, bool binary,
                  core::steady_clock::time_point now);
  void note_partial(core::steady_clock::time_point now);
  void queue_pong(std::string_view payload);
  void policy_close(metrics::policy_close why);
  void enqueue_local(core::outbound_ptr msg);
  void push_control(const std::string& frame);
  bool queue_locked(core::outbound_ptr msg);
  void schedule_flush();

  void apply(const ws::close_state::steps& s);
  void start_close(std::uint16_t code);
  void detach_for_drain();
  void hand_back(const std::string& id, core::outbound_ptr msg);
  void on_protocol_error(const ws::event& e);
  void finish(bool goodbye);

  std::chrono::milliseconds idle_timeout() const;
  void arm_timer(std::chrono::steady_clock::time_point at);
  void arm_keepalive();
  void on_timer();

  connection_slot slot_;
  core::peer_connection conn_;
  ws::frame_parser parser_;
  session_timer timer_;  // keep-alive pings and dead-peer detection, then the close deadline
  std::chrono::steady_clock::time_point last_rx_{};
  bool ping_sent_ = false;      // a keep-alive ping is out, nothing received since
  std::optional<std::chrono::steady_clock::time_point> partial_since_;  // a message began then and has not ended
  std::optional<std::chrono::steady_clock::time_point> hello_deadline_;  // auth.mode jwt: start by then (4002)
  bool closing_timer_ = false;  // timer_ holds the close deadline
  bool parser_failed_ = false;  // protocol error: input is discarded
  bool finished_ = false;       // the core has been told the connection ended
};

}  // namespace switchboard::net
