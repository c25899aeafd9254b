#pragma once
// Pairs of peers behind one entry port (HAProxy) exchanging numbered
// messages both ways, for the rolling update test: each message carries its
// sequence number in its payload ("seq N", offers and ICE candidates mixed).
// A client closed by the server (1001 during a drain) or dropped reconnects
// through the entry port and resumes with its resume token. Everything is
// driven from one thread by step(): non-blocking reads, and sends bounded by
// a window per direction (so a peer between two connections never has more
// kept for it than peers.max_queued_messages). What each client saw is kept
// for check().

#include "tests/support/deadline.hpp"
#include "tests/support/ws_client.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::test {

struct pair_traffic_options {
  std::uint16_t port = 0;   // where every client connects (and reconnects)
  std::size_t pairs = 50;   // 2 × pairs clients
  std::uint64_t window = 16;  // messages of one direction sent and not yet received
};

class pair_traffic {
public:
  explicit pair_traffic(pair_traffic_options opts);

  // Connects and starts every client (new IDs); false (with test failures) otherwise.
  bool start_all();
  // One round for every client: reads what arrived, notices a close and
  // reconnects, and with `send` sends one message per direction with room in
  // its window.
  void step(bool send);

  // Every client started on an open connection.
  bool all_started() const;
  // All of that, and every message sent has been received.
  bool settled() const;
  // The fewest messages any direction has received so far.
  std::uint64_t min_received() const;

  // The final checks, as test failures: same IDs, 1..N in order in every
  // direction, no peerLeft, no error, every close a 1001, every client moved
  // at least once.
  void check() const;
  // Totals, for the test's log.
  std::string summary() const;
  // Goodbye (1000) on every connection: the replicas then hold no peer and
  // stop at once.
  void close_all();

private:
  enum class state { started, resuming, closing, disconnected };
  struct client {
    std::size_t partner = 0;
    ws_client ws;
    std::string id;     // from the first start: never changes
    std::string token;  // the latest resume token
    state st = state::disconnected;
    clock::time_point since{};     // of the current state
    std::uint64_t sent = 0;        // to the partner, written without error
    std::uint64_t received = 0;    // the last sequence number from the partner
    int reconnects = 0;
    int connect_failures = 0;
    int peer_left = 0;
    int errors = 0;
    std::map<std::string, int> ends;   // how connections ended (ws_client::last_error), and how often
    std::vector<std::string> problems;  // the first few, for the failure message
  };

  void poll(client& c, clock::time_point now);
  void on_text(client& c, std::string_view text);
  void on_relayed(client& c, const std::string& from, std::string_view payload);
  void on_ended(client& c, clock::time_point now);
  void reconnect(client& c, clock::time_point now);
  void send_next(client& c);
  static void note(client& c, std::string what);

  pair_traffic_options opts_;
  std::vector<client> clients_;
};

}  // namespace switchboard::test
