#pragma once
// A real redis-server (Debian /usr/bin/redis-server) for the cluster tests:
// on a loopback port picked at run time, no persistence, in a temp dir. The
// test can stop it, start it again on the same port, pause it (SIGSTOP) and
// resume it, and run admin commands (CLIENT KILL, CONFIG SET, PUBLISH, INFO)
// through a small synchronous client of its own, one short connection per
// command so a restart never leaves it stale. Everything it started is gone
// when it is destroyed.

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace switchboard::test {

struct redis_server_options {
  std::string password;                 // --requirepass when not empty
  std::vector<std::string> extra_args;  // appended to the command line, e.g. {"--maxclients", "10"}
};

// An admin reply, flattened: arrays hold their elements' text.
struct admin_reply {
  enum class kind { nil, integer, string, status, error, array };
  kind type = kind::nil;
  long long integer = 0;
  std::string text;
  std::vector<std::string> elements;
};

class redis_server {
public:
  // Throws std::runtime_error (with redis-server's output) when it does not
  // answer PING before the start-up deadline.
  explicit redis_server(redis_server_options opts = {});
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  // redis://127.0.0.1:<port>, without credentials.
  std::string url() const;

  // SIGTERM (resuming a paused server first), then waits for the exit.
  void stop();
  // Starts again on the same port and waits for PING; throws when it cannot.
  void start();
  void pause();   // SIGSTOP: the socket stays open, nothing is answered
  void resume();  // SIGCONT
  bool running() const;

  // Throws std::runtime_error when the server cannot be reached.
  admin_reply command(const std::vector<std::string>& argv) const;
  // CLIENT KILL ID for every client whose name (CLIENT SETNAME) is `name`; how many.
  int kill_clients_named(const std::string& name) const;
  // Whether a client named `name` is connected.
  bool has_client_named(const std::string& name) const;
  // A numeric field of INFO (e.g. "total_connections_received"), -1 when absent.
  long long info_number(const std::string& section, const std::string& field) const;

  std::string output() const;

private:
  bool launch(std::uint16_t port);
  bool answers_ping() const;

  redis_server_options opts_;
  temp_dir dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<process> proc_;
  bool paused_ = false;
  std::string last_output_;
};

}  // namespace switchboard::test
