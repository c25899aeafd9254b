#include "tests/cluster/redis_test_helpers.hpp"

#include <algorithm>

namespace switchboard::cluster::testing {

namespace {
std::chrono::milliseconds scaled(std::chrono::milliseconds d) {
  return std::chrono::milliseconds(static_cast<long long>(static_cast<double>(d.count()) * test::timeout_scale()));
}
}  // namespace

bool loop::run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto until = test::within(limit);
  while (!done()) {
    if (test::clock::now() >= until) return false;
    if (ioc.stopped()) ioc.restart();
    ioc.run_one_for(10ms);
  }
  return true;
}

void loop::drain(std::chrono::milliseconds limit) {
  if (ioc.stopped()) ioc.restart();
  ioc.run_for(scaled(limit));
}

redis_options options_for_url(const std::string& url, const std::string& name) {
  redis_options o;
  const auto parsed = parse_redis_url(url);
  if (parsed.url) o.url = *parsed.url;
  o.client_name = name;
  o.connect_timeout = scaled(1000ms);
  o.command_timeout = scaled(500ms);
  o.heartbeat_interval = scaled(200ms);
  o.backoff_initial = 20ms;
  o.backoff_max = 200ms;
  return o;
}

redis_options options_for(const test::redis_server& redis, const std::string& name) {
  return options_for_url(redis.url(), name);
}

result run_command(loop& l, redis_connection& c, redis_argv argv, std::chrono::milliseconds limit) {
  auto out = std::make_shared<result>();
  c.command(std::move(argv), [out](std::error_code ec, redis_reply r) {
    out->done = true;
    out->ec = ec;
    out->reply = std::move(r);
  });
  l.run_until([&] { return out->done; }, limit);
  return *out;
}

redis_state_handler state_log::handler() {
  return [this](bool up, const std::string& reason) {
    states.push_back(up);
    reasons.push_back(reason);
  };
}

std::size_t state_log::downs() const {
  return static_cast<std::size_t>(std::count(states.begin(), states.end(), false));
}

}  // namespace switchboard::cluster::testing
