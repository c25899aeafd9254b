// The run as a whole: ramp, churn until the duration is up, drain, teardown; and
// the ticker that paces relaying, churn and injections.
#include "bench/soak/driver.hpp"

#include "bench/loadgen/sdp.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <exception>

namespace switchboard::soak {
namespace net = boost::asio;

namespace {
constexpr std::size_t pool_size = 16;
constexpr double tick_s = 0.1;
constexpr auto with_error = net::as_tuple(net::use_awaitable);

std::chrono::steady_clock::duration seconds_of(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}
}  // namespace

driver::driver(net::io_context& io, const options& opts, net::ip::tcp::endpoint server, tally& t,
               problem_log& problems)
    : io_(io),
      opts_(opts),
      server_(std::move(server)),
      tally_(t),
      problems_(problems),
      peers_(2 * opts.pairs),
      rng_(opts.seed),
      clock_timer_(io) {
  pairs_.reserve(opts.pairs);
  for (std::size_t p = 0; p < opts.pairs; ++p) pairs_.emplace_back(io.get_executor());
  for (std::size_t k = 0; k < pool_size; ++k) {
    const auto seed = static_cast<std::uint32_t>(k * 7919 + opts.seed);
    offer_sdps_.push_back(quote(bench::make_sdp("offer", opts.sdp_bytes, seed)));
    answer_sdps_.push_back(quote(bench::make_sdp("answer", opts.sdp_bytes, seed + 1)));
    candidate_lines_.push_back(quote(bench::make_candidate(k, seed)));
  }
}

void driver::start(clock::time_point t0) {
  t0_ = t0;
  net::co_spawn(io_, run(), [](const std::exception_ptr& e) {
    if (e) std::rethrow_exception(e);  // a bug: let it end the program loudly
  });
}

void driver::stop_early() {
  net::post(io_, [this] {
    stop_requested_ = true;
    clock_timer_.cancel();
  });
}

void driver::start_prime() {
  net::co_spawn(io_, prime(), [this](const std::exception_ptr& e, bool ok) { primed_ = !e && ok; });
}

net::awaitable<bool> driver::prime() {
  auto conn = std::make_shared<soak_conn>(io_.get_executor(), tally_.live_conns);
  const auto ec = co_await conn->open(source_address(peers_.size()), server_, opts_.ws_path, opts_.origin);
  if (ec) co_return false;
  bool started = false;
  net::steady_timer wait(io_, seconds_of(opts_.step_timeout_s));
  // The handlers run only until close_clean() below (the connection reports nothing after).
  conn->start_reading(
      [&](std::string_view text) {
        started = classify(text).kind == inbound_kind::start;
        wait.cancel();
      },
      [&](const std::string&) { wait.cancel(); });
  conn->send(start_frame());
  co_await wait.async_wait(with_error);
  conn->close_clean();
  co_return started;
}

net::awaitable<void> driver::run() {
  const auto end = t0_ + seconds_of(opts_.duration_s);
  net::co_spawn(io_, ticker(), net::detached);
  co_await ramp();
  if (phase() == run_phase::ramp) phase_ = static_cast<int>(run_phase::churn);
  if (!stop_requested_) {
    clock_timer_.expires_at(end);
    co_await clock_timer_.async_wait(with_error);
  }
  churn_s_ = std::chrono::duration<double>(clock::now() - t0_).count();
  std::printf("[soak] churn over at %.0f s: every pair finishes its action and quiesces\n", churn_s_);
  co_await drain();
  std::printf("[soak] drained at %.0f s: closing every connection (close 1000)\n",
              std::chrono::duration<double>(clock::now() - t0_).count());
  teardown();
}

net::awaitable<void> driver::ramp() {
  // New pairs at ramp_rate; each address gets its few IDs well within its burst.
  double credit = 0;
  std::size_t next = 0;
  net::steady_timer timer(io_);
  while (next < pairs_.size() && !stop_requested_) {
    credit += opts_.ramp_rate * 0.01;
    for (; credit >= 1 && next < pairs_.size(); credit -= 1) {
      ++active_pairs_;
      net::co_spawn(io_, pair_flow(next++), net::detached);
    }
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(with_error);
  }
}

net::awaitable<void> driver::ticker() {
  net::steady_timer timer(io_);
  auto next = clock::now();
  for (unsigned n = 1; phase() < run_phase::teardown; ++n) {
    next += seconds_of(tick_s);
    timer.expires_at(next);
    co_await timer.async_wait(with_error);
    relay_tick(tick_s);
    if (phase() <= run_phase::churn) {
      churn_tick(tick_s);
      inject_tick(tick_s);
    }
    if (n % 10 == 0) check_overdue(false);
    if (n % 300 == 0) {
      std::printf("[soak] %4.0f s: %ld pairs relaying, %ld connections, %llu problems\n", n * tick_s,
                  tally_.pairs_relaying.load(), tally_.live_conns.load(),
                  static_cast<unsigned long long>(tally_.problems_total.load()));
    }
  }
}

net::awaitable<void> driver::drain() {
  phase_ = static_cast<int>(run_phase::drain);
  stopping_ = true;
  for (std::size_t p = 0; p < pairs_.size(); ++p) wake(p);
  // Every pair finishes its action and quiesces once more; each step has its own deadline.
  const auto deadline = clock::now() + seconds_of(4 * opts_.step_timeout_s + opts_.resume_delay_s);
  net::steady_timer timer(io_);
  while (active_pairs_ > 0 && clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(50));
    co_await timer.async_wait(with_error);
  }
  if (active_pairs_ > 0) {
    problems_.add("pairs still busy at the end", std::to_string(active_pairs_) + " pairs", active_pairs_);
  }
  check_overdue(true);
}

void driver::teardown() {
  phase_ = static_cast<int>(run_phase::teardown);
  for (auto& pe : peers_) {
    if (pe.conn) pe.conn->close_clean();
    pe.conn.reset();
  }
  phase_ = static_cast<int>(run_phase::done);
}

void driver::relay_tick(double dt) {
  for (std::size_t p = 0; p < pairs_.size(); ++p) {
    if (!pairs_[p].relaying) continue;
    for (const std::size_t i : {2 * p, 2 * p + 1}) {
      auto& pe = peers_[i];
      for (pe.credit += opts_.relay_rate * dt; pe.credit >= 1; pe.credit -= 1) send_candidate(i);
    }
  }
}

void driver::churn_tick(double dt) {
  std::uniform_int_distribution<std::size_t> any_pair(0, pairs_.size() - 1);
  for (churn_credit_ += opts_.churn_rate * static_cast<double>(pairs_.size()) * dt; churn_credit_ >= 1;
       churn_credit_ -= 1) {
    const std::size_t p = any_pair(rng_);
    if (!pairs_[p].relaying || pairs_[p].churn != churn_kind::none) continue;  // busy: skipped
    pairs_[p].churn = pick_churn();
    wake(p);
  }
}

churn_kind driver::pick_churn() {
  std::discrete_distribution<int> mix(
      {opts_.weight_resume, opts_.weight_hangup, opts_.weight_leave, opts_.weight_abandon});
  static constexpr churn_kind kinds[] = {churn_kind::resume, churn_kind::hangup, churn_kind::leave,
                                         churn_kind::abandon};
  return kinds[mix(rng_)];
}

void driver::inject_tick(double dt) {
  std::uniform_int_distribution<std::size_t> any_peer(0, peers_.size() - 1);
  std::uniform_real_distribution<double> unit(0, 1);
  std::uniform_int_distribution<int> kind(0, 2);  // bad_resume is injected at reconnects
  for (inject_credit_ += opts_.inject_rate * static_cast<double>(peers_.size()) * dt; inject_credit_ >= 1;
       inject_credit_ -= 1) {
    const std::size_t i = any_peer(rng_);
    auto& pe = peers_[i];
    if (!pairs_[i / 2].relaying || !pe.conn) continue;
    if (unit(rng_) < opts_.ice_servers_share) {
      pe.replies.push_back({true, {}, {}});
      pe.conn->send(ice_servers_frame());
      tally_.ice_servers.fetch_add(1, std::memory_order_relaxed);
    } else {
      inject(i, static_cast<injection>(kind(rng_)));
    }
  }
}

void driver::check_overdue(bool at_end) {
  const auto now = clock::now();
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    auto& list = peers_[i].expected_left;
    for (auto it = list.begin(); it != list.end();) {
      if (it->deadline <= now) {
        problems_.add("peerLeft missing", missing_left(i, *it));
        it = list.erase(it);
      } else {
        ++it;
      }
    }
    if (at_end) {
      left_pending_at_end_ += list.size();  // not due yet: nobody can tell
      list.clear();
    }
  }
}

net::ip::address driver::source_address(std::size_t i) const {
  // 127.1.0.1, 127.1.0.2, ...: 250 per /24, skipping .0 and .251-.255.
  const std::size_t a = i / std::max<std::size_t>(opts_.peers_per_address, 1);
  const auto second = static_cast<std::uint32_t>(1 + a / (250 * 256));
  const auto third = static_cast<std::uint32_t>((a / 250) % 256);
  const auto fourth = static_cast<std::uint32_t>(a % 250 + 1);
  return net::ip::address_v4((127u << 24) | (second << 16) | (third << 8) | fourth);
}

std::string driver::missing_left(std::size_t i, const owed_left& owed) const {
  const auto ago = std::chrono::duration<double>(clock::now() - owed.since).count();
  return who(i) + " was owed peerLeft for " + owed.id + " (" + owed.why + " " +
         std::to_string(static_cast<int>(ago)) + " s ago; " + std::to_string(peers_[i].resumes - owed.resumes_then) +
         " resumes of its own since)";
}

std::string driver::who(std::size_t i) const {
  return "peer " + std::to_string(i) + (peers_[i].id.empty() ? "" : " (" + peers_[i].id + ")");
}

}  // namespace switchboard::soak
