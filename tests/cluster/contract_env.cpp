#include "tests/cluster/contract_env.hpp"
#include "tests/support/deadline.hpp"

#include <boost/asio/post.hpp>

namespace switchboard::cluster::contract {

bool env::run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto until = test::within(limit);
  while (!done()) {
    if (test::clock::now() >= until) return false;
    if (ioc.stopped()) ioc.restart();
    ioc.run_one_for(10ms);
  }
  return true;
}

void env::run_on_loop(const std::function<void()>& fn) {
  bool ran = false;
  boost::asio::post(ioc, [&] {
    fn();
    ran = true;
  });
  EXPECT_TRUE(run_until([&] { return ran; }));
}

}  // namespace switchboard::cluster::contract
