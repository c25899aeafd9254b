#pragma once
// What the soak's clients did and saw. The io thread writes, the sampler thread
// reads (relaxed atomics: each figure on its own is what matters, not a snapshot).
// Problems (anything the protocol did not promise) are kept by category with the
// first few examples; their total is an atomic for the CSV.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace switchboard::soak {

using counter = std::atomic<std::uint64_t>;

struct tally {
  // Connections.
  counter opened{0};            // WebSocket upgrades completed
  counter open_failed{0};
  counter resets{0};            // RST: kept for resume
  counter clean_closes{0};      // close 1000: the peer leaves
  counter new_ids{0};           // start replies with a fresh ID
  counter resumed{0};           // successful resumes
  // Relayed messages, by type as the server counts them.
  counter offers{0}, answers{0}, candidates{0}, hangups{0};
  counter relayed_in{0};        // relayed messages received in order
  counter peer_left_in{0};
  counter queued_for_detached{0};  // relays written to a peer while it was detached
  // Injections, each with the exact error it must get.
  counter bad_json{0}, unknown_action{0}, unknown_target{0}, bad_resume{0};
  counter ice_servers{0};       // iceServers requests (valid, with a reply)
  // Churn actions started.
  counter churn_resume{0}, churn_hangup{0}, churn_leave{0}, churn_abandon{0};
  counter recoveries{0};        // pairs rebuilt after a failure
  std::atomic<long> pairs_relaying{0};
  std::atomic<long> live_conns{0};  // soak_conn objects alive (open or closing)
  counter problems_total{0};

  std::uint64_t injected() const {
    return bad_json.load() + unknown_action.load() + unknown_target.load() + bad_resume.load();
  }
};

// io thread only.
class problem_log {
 public:
  explicit problem_log(tally& t) : tally_(t) {}

  void add(const std::string& what, const std::string& example, std::uint64_t count = 1) {
    auto& c = categories_[what];
    c.count += count;
    tally_.problems_total.fetch_add(count, std::memory_order_relaxed);
    if (c.examples.size() < examples_kept) c.examples.push_back(example);
    if (printed_ < printed_max) {
      ++printed_;
      std::fprintf(stderr, "[soak] problem: %s: %s\n", what.c_str(), example.c_str());
    }
  }

  struct category {
    std::uint64_t count = 0;
    std::vector<std::string> examples;
  };
  const std::map<std::string, category>& categories() const { return categories_; }

 private:
  static constexpr std::size_t examples_kept = 3;
  static constexpr int printed_max = 40;
  tally& tally_;
  std::map<std::string, category> categories_;
  int printed_ = 0;
};

}  // namespace switchboard::soak
