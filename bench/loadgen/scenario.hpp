#pragma once
// The benchmark's three phases against one server, on one io_context thread:
// (1) connect 2N peers and get their ids, then read the server's idle RSS;
// (2) set up N calls: offer, answer, candidates both ways;
// (3) relay candidates with K in flight per pair, sampling the server's CPU time
//     from /proc before and after, while both ends are quiet.
// Peers 2i (caller) and 2i+1 (callee) form pair i; with options::layout "cross" the
// callees connect to a second server (another replica), so every relay crosses.

#include "bench/loadgen/adapter.hpp"
#include "bench/loadgen/histogram.hpp"
#include "bench/loadgen/latch.hpp"
#include "bench/loadgen/options.hpp"
#include "bench/loadgen/report.hpp"
#include "bench/loadgen/ws_client.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace switchboard::bench {

class scenario {
 public:
  scenario(boost::asio::io_context& io, options opts, std::unique_ptr<protocol_adapter> adapter);

  // Spawns run() on the io_context; finished() once it has returned.
  void start();
  bool finished() const noexcept { return finished_; }
  // Runs every phase and closes every connection; the figures are in result().
  boost::asio::awaitable<void> run();
  const results& result() const noexcept { return results_; }

 private:
  using clock = std::chrono::steady_clock;

  struct peer {
    std::shared_ptr<ws_client> conn;
    std::string id;         // as the server knows it
    std::string quoted_id;  // JSON string literal of id
    std::size_t partner = 0;
    std::size_t candidates_in = 0;  // call set-up candidates received
    bool answered = false;          // caller: the answer arrived
    bool call_done = false;         // caller: the whole exchange arrived
  };

  struct relay_state {
    bool measured = false;
    bool stopping = false;
    clock::time_point deadline;
    std::uint64_t limit = 0;
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
  };

  // scenario.cpp: the phases.
  boost::asio::awaitable<bool> connect_all();
  boost::asio::awaitable<void> connect_worker();
  boost::asio::awaitable<void> connect_one(std::size_t index);
  boost::asio::awaitable<bool> set_up_calls();
  boost::asio::awaitable<bool> relay(double seconds, std::uint64_t limit, bool measured);
  boost::asio::awaitable<bool> measured_relay();
  boost::asio::awaitable<void> pause(double seconds);
  void measure_relay_start();
  void measure_relay_end();
  bool run_mark(const char* phase);
  void read_rss(double& into) const;
  void fail(std::string why);
  void teardown();

  // scenario_traffic.cpp: what each inbound message leads to.
  void on_message(std::size_t index, std::string_view text);
  void start_call(std::size_t pair);
  void on_offer(std::size_t index);
  void on_answer(std::size_t index);
  void on_setup_candidate(std::size_t index);
  void check_call(std::size_t pair);
  void on_relay_candidate(std::size_t index, std::int64_t stamp);
  void send_relay(std::size_t from);
  void send_setup_candidates(std::size_t from);
  std::int64_t now_ns() const;

  boost::asio::io_context& io_;
  options opts_;
  std::unique_ptr<protocol_adapter> adapter_;
  std::vector<std::string> candidate_lines_;  // JSON string literals
  std::vector<peer> peers_;
  std::vector<clock::time_point> call_started_;
  latch latch_;
  std::size_t next_connect_ = 0;
  std::size_t next_call_ = 0;
  bool tearing_down_ = false;
  bool finished_ = false;
  clock::time_point epoch_ = clock::now();
  relay_state relay_;
  histogram setup_ns_;
  histogram call_ns_;
  histogram latency_ns_;
  double server_cpu_before_us_ = -1;
  double self_cpu_before_us_ = 0;
  clock::time_point relay_started_;
  results results_;
};

}  // namespace switchboard::bench
