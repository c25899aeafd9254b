// Coalesced writes (signaling/net/ws_flush_batch with ws_outbox): frames queued
// for a connection while one batch of readiness events is handled go out in
// one gather write at the end of the batch; outside a batch, at once. A fake
// socket records every writev() call. The fake connection does what
// ws_session does: queue (bounded), list itself in the open batch or flush
// now, and on a refused push close as a slow consumer.

#include "signaling/net/ws_flush_batch.hpp"
#include "signaling/net/ws_outbox.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace switchboard::net::ws {
namespace {

// Records each gather write as the bytes it took; takes at most `capacity` per call.
struct fake_socket {
  std::vector<std::string> writes;
  std::size_t pieces_in_last = 0;
  std::size_t capacity = static_cast<std::size_t>(-1);
  bool open = true;

  std::size_t writev(const std::vector<std::span<const char>>& pieces) {
    std::string all;
    for (const auto& p : pieces) all.append(p.data(), p.size());
    all.resize(std::min(all.size(), capacity));
    writes.push_back(all);
    pieces_in_last = pieces.size();
    return all.size();
  }
  std::string stream() const {
    std::string s;
    for (const auto& w : writes) s += w;
    return s;
  }
};

class fake_connection : public flush_batch::member, public std::enable_shared_from_this<fake_connection> {
public:
  explicit fake_connection(std::size_t max_messages = 64, std::size_t max_bytes = 1 << 20)
      : box_(max_messages, max_bytes) {}

  // What ws_session::deliver does: false when refused (the connection then closes).
  bool deliver(const std::string& text) {
    if (slow_consumer || !socket.open) return false;
    if (!box_.push(core::make_reply(text))) {
      slow_consumer = true;  // ws_session: accepting_ = false, close with 4001
      return false;
    }
    if (auto* batch = flush_batch::current()) {
      batch->add(shared_from_this());
    } else {
      flush();
    }
    return true;
  }
  void end_of_batch() override { flush(); }

  // One gather write per round until empty or the socket takes less (then: wait for writable).
  void flush() {
    std::vector<std::span<const char>> pieces;
    std::vector<frame_header> headers;
    while (socket.open && !box_.empty()) {
      box_.gather(pieces, headers, 256);
      std::size_t total = 0;
      for (const auto& p : pieces) total += p.size();
      const std::size_t n = socket.writev(pieces);
      box_.consume(n, [&](const core::outbound_ptr& m) { sent.push_back(m->text); });
      if (n < total) return;
    }
  }
  std::size_t queued() const { return box_.queued_messages(); }

  fake_socket socket;
  std::vector<std::string> sent;  // messages written whole, in order
  bool slow_consumer = false;

private:
  outbox box_;
};

std::string frames(const std::vector<std::string>& texts) {
  std::string s;
  for (const auto& t : texts) s += encode_frame(opcode::text, t);
  return s;
}

std::vector<std::string> numbered(const std::string& prefix, int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(prefix + std::to_string(i));
  return v;
}

TEST(FlushBatch, ManyFramesToOneDestinationInOneBatchAreOneWrite) {
  flush_batch batch;
  auto b = std::make_shared<fake_connection>();
  const auto texts = numbered("candidate-", 10);
  {
    flush_batch::scope s(batch);
    for (const auto& t : texts) ASSERT_TRUE(b->deliver(t));
    EXPECT_TRUE(b->socket.writes.empty()) << "nothing is written before the batch ends";
    EXPECT_EQ(batch.listed(), 1u);
  }
  ASSERT_EQ(b->socket.writes.size(), 1u);
  EXPECT_EQ(b->socket.pieces_in_last, 2 * texts.size()) << "header and payload of each frame, one writev";
  EXPECT_EQ(b->socket.writes[0], frames(texts));
  EXPECT_EQ(b->sent, texts);
  EXPECT_EQ(batch.batches(), 1u);
  EXPECT_EQ(batch.flushes(), 1u);
}

TEST(FlushBatch, SeparateBatchesAreSeparateWrites) {
  flush_batch batch;
  auto b = std::make_shared<fake_connection>();
  for (int round = 0; round < 3; ++round) {
    flush_batch::scope s(batch);
    ASSERT_TRUE(b->deliver("a" + std::to_string(round)));
    ASSERT_TRUE(b->deliver("b" + std::to_string(round)));
  }
  ASSERT_EQ(b->socket.writes.size(), 3u);
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(b->socket.writes[round], frames({"a" + std::to_string(round), "b" + std::to_string(round)}));
  }
}

TEST(FlushBatch, EachDestinationGetsOneWriteWhateverTheSenders) {
  flush_batch batch;
  std::vector<std::shared_ptr<fake_connection>> dest;
  for (int i = 0; i < 4; ++i) dest.push_back(std::make_shared<fake_connection>());
  {
    flush_batch::scope s(batch);
    // Interleaved, as a batch of 8 readable senders relaying to 4 destinations.
    for (int sender = 0; sender < 8; ++sender) {
      for (int d = 0; d < 4; ++d) ASSERT_TRUE(dest[d]->deliver("s" + std::to_string(sender)));
    }
  }
  for (const auto& d : dest) {
    ASSERT_EQ(d->socket.writes.size(), 1u);
    EXPECT_EQ(d->sent, numbered("s", 8)) << "order as queued";
  }
  EXPECT_EQ(batch.flushes(), 4u);
}

TEST(FlushBatch, OutsideABatchEveryFrameIsWrittenAtOnce) {
  EXPECT_EQ(flush_batch::current(), nullptr);
  auto b = std::make_shared<fake_connection>();
  ASSERT_TRUE(b->deliver("one"));
  EXPECT_EQ(b->socket.writes.size(), 1u) << "no batch: no waiting, as before";
  ASSERT_TRUE(b->deliver("two"));
  EXPECT_EQ(b->socket.writes.size(), 2u);
  EXPECT_EQ(b->socket.stream(), frames({"one", "two"}));
}

// The outbox's bound still applies inside a batch: the push past it is
// refused (the session closes as a slow consumer), and what was queued before
// it goes out, in order, in one write.
TEST(FlushBatch, ABoundedQueueRefusesPastItsBoundInABatch) {
  flush_batch batch;
  auto b = std::make_shared<fake_connection>(3);
  {
    flush_batch::scope s(batch);
    EXPECT_TRUE(b->deliver("m0"));
    EXPECT_TRUE(b->deliver("m1"));
    EXPECT_TRUE(b->deliver("m2"));
    EXPECT_FALSE(b->deliver("m3"));
    EXPECT_TRUE(b->slow_consumer);
    EXPECT_FALSE(b->deliver("m4")) << "nothing is queued once refused";
    EXPECT_EQ(b->queued(), 3u);
  }
  ASSERT_EQ(b->socket.writes.size(), 1u);
  EXPECT_EQ(b->sent, numbered("m", 3));
}

TEST(FlushBatch, AConnectionClosedWhilePendingWritesNothing) {
  flush_batch batch;
  auto b = std::make_shared<fake_connection>();
  std::weak_ptr<fake_connection> watch = b;
  {
    flush_batch::scope s(batch);
    ASSERT_TRUE(b->deliver("late"));
    b->socket.open = false;  // the peer went away later in the same batch
    b.reset();               // ... and its session was dropped
    EXPECT_FALSE(watch.expired()) << "the batch keeps a listed connection alive";
  }
  EXPECT_TRUE(watch.expired()) << "released once flushed";
}

// A socket that takes only part of the write: the rest goes out in later
// writes, frames and bytes in order, and what a later batch adds comes after.
TEST(FlushBatch, OrderIsKeptAcrossPartialWritesAndBatches) {
  flush_batch batch;
  auto b = std::make_shared<fake_connection>();
  b->socket.capacity = 7;
  const auto first = numbered("first-batch-message-", 5);
  const auto second = numbered("second-", 3);
  {
    flush_batch::scope s(batch);
    for (const auto& t : first) ASSERT_TRUE(b->deliver(t));
  }
  EXPECT_EQ(b->socket.writes.size(), 1u) << "a short write stops the flush until the socket is writable";
  {
    flush_batch::scope s(batch);
    for (const auto& t : second) ASSERT_TRUE(b->deliver(t));
  }
  b->socket.capacity = static_cast<std::size_t>(-1);
  b->flush();  // writable again
  auto all = first;
  all.insert(all.end(), second.begin(), second.end());
  EXPECT_EQ(b->socket.stream(), frames(all));
  EXPECT_EQ(b->sent, all);
}

// A flush can cause more to be queued (a failed write ends a connection, and
// its contacts are told): those are flushed before the batch is over.
TEST(FlushBatch, WhatAFlushQueuesIsFlushedInTheSameEnd) {
  struct chained : fake_connection {
    chained() : fake_connection(64) {}
    std::shared_ptr<fake_connection> next;
    void end_of_batch() override {
      flush();
      if (next) (void)next->deliver("peerLeft");
    }
  };
  flush_batch batch;
  auto a = std::make_shared<chained>();
  a->next = std::make_shared<fake_connection>();
  {
    flush_batch::scope s(batch);
    ASSERT_TRUE(a->deliver("bye"));
  }
  EXPECT_EQ(a->socket.writes.size(), 1u);
  ASSERT_EQ(a->next->socket.writes.size(), 1u);
  EXPECT_EQ(a->next->sent, std::vector<std::string>{"peerLeft"});
  EXPECT_EQ(batch.flushes(), 2u);
  EXPECT_EQ(batch.listed(), 0u);
}

TEST(FlushBatch, ScopesNestAndRestoreTheOuterBatch) {
  flush_batch outer;
  flush_batch inner;
  EXPECT_EQ(flush_batch::current(), nullptr);
  {
    flush_batch::scope a(outer);
    EXPECT_EQ(flush_batch::current(), &outer);
    {
      flush_batch::scope b(inner);
      EXPECT_EQ(flush_batch::current(), &inner);
    }
    EXPECT_EQ(flush_batch::current(), &outer);
  }
  EXPECT_EQ(flush_batch::current(), nullptr);
}

TEST(FlushBatch, AddingTwiceListsOnce) {
  flush_batch batch;
  auto b = std::make_shared<fake_connection>();
  EXPECT_TRUE(batch.add(b));
  EXPECT_FALSE(batch.add(b));
  EXPECT_FALSE(batch.add(nullptr));
  EXPECT_EQ(batch.listed(), 1u);
  batch.end();
  EXPECT_EQ(batch.listed(), 0u);
  EXPECT_TRUE(batch.add(b)) << "listed again after its flush";
  batch.end();
}

}  // namespace
}  // namespace switchboard::net::ws
