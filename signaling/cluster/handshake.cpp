#include "signaling/cluster/handshake.hpp"

namespace switchboard::cluster {

std::vector<handshake_step> handshake_steps(const redis_options& opts, bool select_db) {
  std::vector<handshake_step> steps;
  const auto& url = opts.url;
  if (!url.password.empty()) {
    // Redis 6 ACL form with a user; the single-argument form otherwise, which
    // Redis < 6 and compatible services also understand.
    if (url.user.empty()) steps.push_back({{"AUTH", url.password}, "AUTH"});
    else steps.push_back({{"AUTH", url.user, url.password}, "AUTH as user '" + url.user + "'"});
  }
  if (select_db && url.db != 0) {
    steps.push_back({{"SELECT", std::to_string(url.db)}, "SELECT " + std::to_string(url.db)});
  }
  if (!opts.client_name.empty()) steps.push_back({{"CLIENT", "SETNAME", opts.client_name}, "CLIENT SETNAME"});
  steps.push_back({{"PING"}, "PING"});
  return steps;
}

std::optional<std::string> handshake_failure(const handshake_step& step, const redis_reply& reply) {
  if (reply.is_error()) return step.what + " failed: " + describe(reply).substr(8);
  const bool ping = step.argv.front() == "PING";
  if (reply.is(ping ? "PONG" : "OK")) return std::nullopt;
  return step.what + ": unexpected reply " + describe(reply);
}

}  // namespace switchboard::cluster
