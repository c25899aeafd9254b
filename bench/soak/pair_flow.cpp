// One pair's life: fresh IDs and a call, then relaying until the ticker asks for a
// churn action; quiesce, act, and carry on. A failure is counted where it is seen
// and the pair is rebuilt from scratch, so one fault does not cascade.
#include "bench/soak/driver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>

namespace switchboard::soak {
namespace net = boost::asio;

namespace {
constexpr auto with_error = net::as_tuple(net::use_awaitable);
constexpr double forever_s = 1e7;

std::chrono::steady_clock::duration seconds_of(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}
}  // namespace

net::awaitable<void> driver::pair_flow(std::size_t p) {
  auto& pr = pairs_[p];
  auto problems_before = tally_.problems_total.load();
  bool ok = co_await establish(p);
  bool counted = false;
  while (!stopping_) {
    if (ok && !counted) {
      counted = true;
      if (++established_ == pairs_.size()) {
        ramp_s_ = std::chrono::duration<double>(clock::now() - t0_).count();
        std::printf("[soak] every pair had its first call at %.0f s\n", ramp_s_);
      }
    }
    if (!ok) {
      // Every failure must have been reported where it was seen; this catches a soak bug.
      if (tally_.problems_total.load() == problems_before) problems_.add("pair failed silently", who(2 * p));
      problems_before = tally_.problems_total.load();
      ok = co_await recover(p);
      continue;
    }
    set_relaying(p, true);
    co_await wait_until(p, [&] { return pr.churn != churn_kind::none || pr.broken || stopping_; }, forever_s);
    set_relaying(p, false);
    if (pr.broken) {
      ok = false;
      continue;
    }
    if (stopping_) break;
    problems_before = tally_.problems_total.load();
    ok = co_await quiesce(p, "before churn");
    if (ok) ok = co_await churn(p);
    pr.churn = churn_kind::none;
  }
  if (ok && !pr.broken) co_await quiesce(p, "at the end");
  --active_pairs_;
}

net::awaitable<bool> driver::establish(std::size_t p) {
  pairs_[p].broken = false;
  new_identity(2 * p);
  new_identity(2 * p + 1);
  // Never co_await inside an if condition: gcc 12 corrupts the coroutine frame
  // when the awaited call has a literal argument (SIGILL on resume).
  bool ok = co_await connect_peer(2 * p, false);
  if (ok) ok = co_await connect_peer(2 * p + 1, false);
  if (ok) ok = co_await call(2 * p);
  co_return ok;
}

net::awaitable<bool> driver::recover(std::size_t p) {
  tally_.recoveries.fetch_add(1, std::memory_order_relaxed);
  for (const std::size_t i : {2 * p, 2 * p + 1}) {
    if (peers_[i].conn) peers_[i].conn->close_clean();
    peers_[i].conn.reset();
    peers_[i].replies.clear();
  }
  co_await pause(1.0);  // no hot loop when the server refuses us
  if (stopping_) co_return false;
  co_return co_await establish(p);
}

net::awaitable<bool> driver::connect_peer(std::size_t i, bool resume) {
  auto& pe = peers_[i];
  auto conn = std::make_shared<soak_conn>(io_.get_executor(), tally_.live_conns);
  const auto ec = co_await conn->open(source_address(i), server_, opts_.ws_path, opts_.origin);
  if (ec) {
    tally_.open_failed.fetch_add(1, std::memory_order_relaxed);
    problems_.add("connect failed", who(i) + " from " + source_address(i).to_string() + ": " + ec.message());
    co_return false;
  }
  tally_.opened.fetch_add(1, std::memory_order_relaxed);
  pe.conn = conn;
  pe.start_failed = false;
  conn->start_reading([this, i, c = conn.get()](std::string_view text) { on_message(i, c, text); },
                      [this, i, c = conn.get()](const std::string& why) { on_close(i, c, why); });
  if (std::bernoulli_distribution(opts_.bad_resume_share)(rng_)) inject(i, injection::bad_resume);
  pe.awaiting = resume ? start_wait::resume : start_wait::fresh;
  conn->send(resume ? resume_frame(pe.id, pe.token) : start_frame());
  const auto p = i / 2;
  co_await wait_until(p, [&] { return pe.awaiting == start_wait::none || pe.start_failed || pairs_[p].broken; },
                      opts_.step_timeout_s);
  if (pe.awaiting != start_wait::none && !pe.start_failed && !pairs_[p].broken) {
    problems_.add(resume ? "resume reply missing" : "start reply missing", who(i));
  }
  co_return pe.awaiting == start_wait::none && !pe.start_failed;
}

net::awaitable<bool> driver::call(std::size_t caller) {
  const std::size_t callee = caller ^ 1;
  auto& c = peers_[caller];
  c.conn->send(offer_frame(peers_[callee].quoted_id, offer_sdps_[caller % offer_sdps_.size()], c.sent++));
  tally_.offers.fetch_add(1, std::memory_order_relaxed);
  // The callee answers and sends its candidates on the offer, the caller its own
  // on the answer (inbound.cpp): done when both have everything.
  const std::uint64_t want = 1 + opts_.setup_candidates;
  const auto p = caller / 2;
  const bool ok = co_await wait_until(
      p, [&] { return (c.received >= want && peers_[callee].received >= want) || pairs_[p].broken; },
      opts_.step_timeout_s);
  if (!ok || pairs_[p].broken) {
    if (!pairs_[p].broken) problems_.add("call set-up timed out", who(caller) + " calling " + who(callee));
    co_return false;
  }
  co_return true;
}

net::awaitable<bool> driver::churn(std::size_t p) {
  const std::size_t x = 2 * p + std::uniform_int_distribution<std::size_t>(0, 1)(rng_);
  switch (pairs_[p].churn) {
    case churn_kind::resume: co_return co_await drop_and_resume(x);
    case churn_kind::hangup: co_return co_await hangup_and_recall(x);
    case churn_kind::leave: co_return co_await leave_and_recall(x, false);
    case churn_kind::abandon: co_return co_await leave_and_recall(x, true);
    case churn_kind::none: break;
  }
  co_return true;
}

// RST; the partner writes to the detached peer (kept in its queue); resume with the
// token: the queued messages must follow the start reply, in order.
net::awaitable<bool> driver::drop_and_resume(std::size_t x) {
  if (!peers_[x].conn) co_return false;
  tally_.churn_resume.fetch_add(1, std::memory_order_relaxed);
  tally_.resets.fetch_add(1, std::memory_order_relaxed);
  peers_[x].conn->reset();
  peers_[x].conn.reset();
  // The server must have seen the RST before the partner writes, or the write goes
  // to the dying connection: detach_delay is that margin.
  co_await pause(opts_.detach_delay_s);
  if (pairs_[x / 2].broken) co_return false;
  const auto queued = std::uniform_int_distribution<std::size_t>(0, opts_.max_queued)(rng_);
  for (std::size_t k = 0; k < queued; ++k) send_candidate(x ^ 1);
  tally_.queued_for_detached.fetch_add(queued, std::memory_order_relaxed);
  co_await pause(std::max(0.0, opts_.resume_delay_s - opts_.detach_delay_s));
  bool ok = co_await connect_peer(x, true);
  if (ok) ok = co_await quiesce(x / 2, "after a resume");
  co_return ok;
}

// hangup (no peerLeft for either afterwards), close 1000, new ID, new call.
net::awaitable<bool> driver::hangup_and_recall(std::size_t x) {
  auto& pe = peers_[x];
  if (!pe.conn) co_return false;
  tally_.churn_hangup.fetch_add(1, std::memory_order_relaxed);
  tally_.hangups.fetch_add(1, std::memory_order_relaxed);
  pe.conn->send(hangup_frame(peers_[x ^ 1].quoted_id, pe.sent++));
  const bool delivered = co_await quiesce(x / 2, "after a hangup");
  if (!delivered) co_return false;
  tally_.clean_closes.fetch_add(1, std::memory_order_relaxed);
  pe.conn->close_clean();
  pe.conn.reset();
  new_identity(x);
  bool ok = co_await connect_peer(x, false);
  if (ok) ok = co_await call(x);
  co_return ok;
}

// Leaves with close 1000 (the partner gets peerLeft at once) or with an RST and
// never resumes (peerLeft once resume_grace runs out); comes back with a new ID.
net::awaitable<bool> driver::leave_and_recall(std::size_t x, bool abrupt) {
  auto& pe = peers_[x];
  if (!pe.conn) co_return false;
  // The server sweeps expired peers at least once a second.
  const auto now = clock::now();
  const auto earliest = now + seconds_of(abrupt ? opts_.resume_grace_s : 0.0);
  const auto deadline = earliest + seconds_of(opts_.step_timeout_s + (abrupt ? 1.0 : 0.0));
  peers_[x ^ 1].expected_left.push_back(
      {pe.id, earliest, deadline, abrupt ? "abandon" : "leave", now, peers_[x ^ 1].resumes});
  if (abrupt) {
    tally_.churn_abandon.fetch_add(1, std::memory_order_relaxed);
    tally_.resets.fetch_add(1, std::memory_order_relaxed);
    pe.conn->reset();
  } else {
    tally_.churn_leave.fetch_add(1, std::memory_order_relaxed);
    tally_.clean_closes.fetch_add(1, std::memory_order_relaxed);
    pe.conn->close_clean();
  }
  pe.conn.reset();
  new_identity(x);
  bool ok = co_await connect_peer(x, false);
  if (ok) ok = co_await call(x);
  co_return ok;
}

// x takes a new ID: both directions of the pair start counting again, and x is no
// longer owed anything its old ID was owed.
void driver::new_identity(std::size_t x) {
  for (const std::size_t i : {x, x ^ 1}) {
    peers_[i].sent = 0;
    peers_[i].received = 0;
  }
  auto& pe = peers_[x];
  pe.id.clear();
  pe.quoted_id.clear();
  pe.token.clear();
  pe.expected_left.clear();
  pe.replies.clear();
  pe.resumes = 0;
  pe.credit = std::uniform_real_distribution<double>(0, 1)(rng_);
}

void driver::set_relaying(std::size_t p, bool on) {
  if (pairs_[p].relaying == on) return;
  pairs_[p].relaying = on;
  tally_.pairs_relaying.fetch_add(on ? 1 : -1, std::memory_order_relaxed);
}

net::awaitable<bool> driver::wait_until(std::size_t p, std::function<bool()> done, double seconds) {
  const auto deadline = clock::now() + seconds_of(seconds);
  auto& signal = pairs_[p].signal;
  while (!done()) {
    if (clock::now() >= deadline) co_return false;
    signal.expires_at(deadline);
    co_await signal.async_wait(with_error);
  }
  co_return true;
}

net::awaitable<void> driver::pause(double seconds) {
  net::steady_timer timer(io_, seconds_of(seconds));
  co_await timer.async_wait(with_error);
}

}  // namespace switchboard::soak
