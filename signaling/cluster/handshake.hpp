#pragma once
// What every (re)connect sends before anything else, and how its replies are
// judged. Pure. The commands are pipelined; the connection counts as ready
// only once the last one (PING) is answered, so a Redis that accepts TCP
// but does not answer (stopped, still loading) is not mistaken for up.

#include "signaling/cluster/redis_options.hpp"

#include <optional>
#include <string>
#include <vector>

namespace switchboard::cluster {

struct handshake_step {
  redis_argv argv;
  std::string what;  // for the failure message: "AUTH", "SELECT 3", ...; never the password
};

// AUTH [user] password (when a password is set), SELECT db (when `select_db`
// and db != 0), CLIENT SETNAME (when named), PING.
std::vector<handshake_step> handshake_steps(const redis_options& opts, bool select_db);

// nullopt when `reply` is what `step` expects; otherwise why the connection
// cannot be used, e.g. "AUTH failed: WRONGPASS invalid username-password pair".
std::optional<std::string> handshake_failure(const handshake_step& step, const redis_reply& reply);

}  // namespace switchboard::cluster
