#pragma once
// The soak's clients, on one io_context thread. Peers 2p and 2p+1 form pair p.
// Each pair runs as one coroutine: fresh IDs, a call set-up (offer, answer,
// candidates both ways), then relaying until the churn ticker picks it for an
// action (RST + resume, hangup + new call, clean leave + new call, RST and never
// come back + new call). Before every action the pair quiesces: everything either
// side sent has arrived and every reply it is owed has come, so each outcome of
// the action is predictable exactly. A ticker paces the relay, the churn and the
// injected malformed messages. Anything the protocol did not promise is a problem.

#include "bench/soak/frames.hpp"
#include "bench/soak/options.hpp"
#include "bench/soak/soak_conn.hpp"
#include "bench/soak/tally.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace switchboard::soak {

enum class run_phase { ramp = 0, churn = 1, drain = 2, teardown = 3, done = 4 };
enum class churn_kind { none, resume, hangup, leave, abandon };

class driver {
 public:
  using clock = std::chrono::steady_clock;

  driver(boost::asio::io_context& io, const options& opts, boost::asio::ip::tcp::endpoint server, tally& t,
         problem_log& problems);

  // Begins the run; `t0` is the origin of the sampler's clock too.
  void start(clock::time_point t0);
  // One connection that starts and leaves, before the baseline is read: the server
  // creates some descriptors (its epoll set) on its first WebSocket. primed() says
  // how it went once it is over.
  void start_prime();
  std::optional<bool> primed() const { return primed_; }
  // Ends the churn now (SIGINT): the run drains and tears down as at its end.
  void stop_early();
  run_phase phase() const { return static_cast<run_phase>(phase_.load()); }
  const std::atomic<int>& phase_counter() const { return phase_; }
  // From t0 to the end of the churn (the span the RSS windows are taken from).
  double churn_seconds() const { return churn_s_; }
  // From t0 until every pair had its first call set up; -1 if that never happened.
  double ramp_seconds() const { return ramp_s_; }
  std::size_t peer_left_pending() const { return left_pending_at_end_; }

 private:
  struct expected_self_reply {
    bool ice_servers = false;
    std::string code, ref;
  };
  enum class start_wait { none, fresh, resume };
  // A peerLeft the server owes: not before `earliest` (abandon: the resume grace),
  // at the latest by `deadline`.
  struct owed_left {
    std::string id;
    clock::time_point earliest, deadline;
    const char* why;           // "leave" or "abandon": for the problem report
    clock::time_point since;   // when the partner went
    std::uint64_t resumes_then = 0;  // the owed peer's resume count then
  };
  struct peer {
    std::shared_ptr<soak_conn> conn;
    std::string id, quoted_id, token;
    std::uint64_t sent = 0;      // relayed to the partner in this call: the next seq
    std::uint64_t received = 0;  // relayed from the partner, in order: the next expected seq
    std::deque<expected_self_reply> replies;  // errors and iceServers replies, in order
    std::vector<owed_left> expected_left;
    start_wait awaiting = start_wait::none;
    bool start_failed = false;
    double credit = 0;  // relay pacing
    std::uint64_t resumes = 0;  // since its ID was issued
  };
  struct pair {
    explicit pair(boost::asio::any_io_executor ex) : signal(std::move(ex)) {}
    boost::asio::steady_timer signal;  // wakes the pair's coroutine (cancel = notify)
    bool relaying = false;
    churn_kind churn = churn_kind::none;
    bool broken = false;  // a connection of the pair ended unexpectedly
  };

  // driver.cpp: the run as a whole and the ticker.
  boost::asio::awaitable<bool> prime();
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> ramp();
  boost::asio::awaitable<void> ticker();
  boost::asio::awaitable<void> drain();
  void teardown();
  void relay_tick(double dt);
  void churn_tick(double dt);
  void inject_tick(double dt);
  void check_overdue(bool at_end);
  churn_kind pick_churn();
  boost::asio::ip::address source_address(std::size_t i) const;

  // pair_flow.cpp: one pair's life.
  boost::asio::awaitable<void> pair_flow(std::size_t p);
  boost::asio::awaitable<bool> establish(std::size_t p);
  boost::asio::awaitable<bool> recover(std::size_t p);
  boost::asio::awaitable<bool> connect_peer(std::size_t i, bool resume);
  boost::asio::awaitable<bool> call(std::size_t caller);
  boost::asio::awaitable<bool> quiesce(std::size_t p, const char* when);
  boost::asio::awaitable<bool> churn(std::size_t p);
  boost::asio::awaitable<bool> drop_and_resume(std::size_t x);
  boost::asio::awaitable<bool> hangup_and_recall(std::size_t x);
  boost::asio::awaitable<bool> leave_and_recall(std::size_t x, bool abrupt);
  // `done` by value: it lives in the coroutine frame, not in a temporary across a suspension.
  boost::asio::awaitable<bool> wait_until(std::size_t p, std::function<bool()> done, double seconds);
  boost::asio::awaitable<void> pause(double seconds);
  bool settled(std::size_t p) const;
  void report_unsettled(std::size_t p, const char* when);
  // Reports (and forgets) every peerLeft owed to the pair past its deadline; true if any.
  bool report_overdue_left(std::size_t p, const char* when);
  // A peerLeft owed to either peer could arrive within the next moments.
  bool peer_left_imminent(std::size_t p) const;
  void new_identity(std::size_t x);
  void set_relaying(std::size_t p, bool on);
  void wake(std::size_t p) { pairs_[p].signal.cancel(); }

  // inbound.cpp: what arrives, and what the clients send in answer.
  void on_message(std::size_t i, const soak_conn* c, std::string_view text);
  void on_close(std::size_t i, const soak_conn* c, const std::string& why);
  void on_start(std::size_t i, const inbound& in);
  void on_relayed(std::size_t i, const inbound& in);
  void on_reply(std::size_t i, const inbound& in);
  void on_peer_left(std::size_t i, const inbound& in);
  void send_candidate(std::size_t from);
  void send_setup_candidates(std::size_t from);
  void inject(std::size_t i, injection k);
  std::string who(std::size_t i) const;
  std::string missing_left(std::size_t i, const owed_left& owed) const;

  boost::asio::io_context& io_;
  options opts_;
  boost::asio::ip::tcp::endpoint server_;
  tally& tally_;
  problem_log& problems_;
  std::vector<peer> peers_;
  std::vector<pair> pairs_;
  std::vector<std::string> offer_sdps_, answer_sdps_, candidate_lines_;  // JSON string literals
  std::mt19937_64 rng_;
  boost::asio::steady_timer clock_timer_;  // the churn's end; stop_early() cancels it
  std::atomic<int> phase_{static_cast<int>(run_phase::ramp)};
  bool stopping_ = false;        // pairs finish what they do and stop
  bool stop_requested_ = false;  // stop_early()
  clock::time_point t0_;
  std::optional<bool> primed_;
  double churn_s_ = 0;
  double ramp_s_ = -1;
  std::size_t established_ = 0;  // pairs past their first call set-up
  std::size_t active_pairs_ = 0;
  std::size_t left_pending_at_end_ = 0;
  std::uint64_t salt_ = 0;
  double churn_credit_ = 0, inject_credit_ = 0;
};

}  // namespace switchboard::soak
