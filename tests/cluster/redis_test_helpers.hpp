#pragma once
// Shared by the cluster integration tests: an event loop the test drives by
// hand (the test thread runs it only while it waits, so "stalling the
// client" is simply not running it), options pointing at a redis_server, and
// a recorder for state transitions.

#include "signaling/cluster/redis_connection.hpp"
#include "signaling/cluster/redis_options.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/redis_fixture.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <system_error>
#include <vector>

namespace switchboard::cluster::testing {

using namespace std::chrono_literals;

struct loop {
  boost::asio::io_context ioc;
  // Runs handlers until `done` holds or the (scaled) deadline passes.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s);
  // Runs until no work is left (every handler of a closed object has run), at most `limit`.
  void drain(std::chrono::milliseconds limit = 5s);
};

// Short timeouts so failures are seen quickly; scaled for sanitizer builds.
redis_options options_for(const test::redis_server& redis, const std::string& name = "switchboard-test");
redis_options options_for_url(const std::string& url, const std::string& name = "switchboard-test");

struct result {
  bool done = false;
  std::error_code ec;
  redis_reply reply;
};

// One command, waited for.
result run_command(loop& l, redis_connection& c, redis_argv argv, std::chrono::milliseconds limit = 10s);

// up/down transitions as they were reported.
struct state_log {
  std::vector<bool> states;
  std::vector<std::string> reasons;
  redis_state_handler handler();
  bool last_up() const { return !states.empty() && states.back(); }
  std::size_t downs() const;
};

}  // namespace switchboard::cluster::testing
