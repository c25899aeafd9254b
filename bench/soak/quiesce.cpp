// Quiescing a pair: waiting until everything either side sent has arrived, every reply
// it is owed has come, and no peerLeft is about to arrive, so that the churn action
// that follows has exactly predictable outcomes. What never comes is reported here.
#include "bench/soak/driver.hpp"

namespace switchboard::soak {
namespace net = boost::asio;

namespace {
constexpr double peer_left_margin_s = 3;  // more than the server needs to notice an RST

std::chrono::steady_clock::duration seconds_of(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}
}  // namespace

bool driver::peer_left_imminent(std::size_t p) const {
  // A message in flight when its peer resets is lost with the connection, as on any
  // network: no peerLeft may be due while a churn action resets a connection.
  const auto soon = clock::now() + seconds_of(peer_left_margin_s);
  for (const std::size_t i : {2 * p, 2 * p + 1}) {
    for (const auto& owed : peers_[i].expected_left) {
      if (owed.earliest <= soon) return true;
    }
  }
  return false;
}

bool driver::settled(std::size_t p) const {
  const auto& a = peers_[2 * p];
  const auto& b = peers_[2 * p + 1];
  return a.received == b.sent && b.received == a.sent && a.replies.empty() && b.replies.empty();
}

net::awaitable<bool> driver::quiesce(std::size_t p, const char* when) {
  const auto quiet = [&] { return settled(p) && !peer_left_imminent(p); };
  const auto started = clock::now();
  for (;;) {
    // Re-checked every second: whether a peerLeft is imminent depends on the time.
    co_await wait_until(p, [&] { return quiet() || pairs_[p].broken; }, 1.0);
    if (quiet()) co_return true;
    if (pairs_[p].broken) co_return false;  // already counted as an unexpected close
    const bool late = clock::now() - started >= seconds_of(opts_.step_timeout_s);
    if (late && !settled(p)) {
      report_unsettled(p, when);
      co_return false;
    }
    if (report_overdue_left(p, when)) co_return false;
  }
}

void driver::report_unsettled(std::size_t p, const char* when) {
  for (const std::size_t i : {2 * p, 2 * p + 1}) {
    const auto& to = peers_[i];
    const auto& from = peers_[i ^ 1];
    if (from.sent > to.received) {
      problems_.add("relayed messages lost", std::to_string(from.sent - to.received) + " to " + who(i) + " " + when,
                    from.sent - to.received);
    }
    if (!to.replies.empty()) {
      problems_.add("replies missing", std::to_string(to.replies.size()) + " owed to " + who(i) + " " + when,
                    to.replies.size());
    }
  }
}

bool driver::report_overdue_left(std::size_t p, const char* when) {
  bool any = false;
  for (const std::size_t i : {2 * p, 2 * p + 1}) {
    auto& owed = peers_[i].expected_left;
    for (auto it = owed.begin(); it != owed.end();) {
      if (it->deadline > clock::now()) {
        ++it;
        continue;
      }
      problems_.add("peerLeft missing", missing_left(i, *it) + " " + when);
      it = owed.erase(it);
      any = true;
    }
  }
  return any;
}

}  // namespace switchboard::soak
