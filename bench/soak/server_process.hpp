#pragma once
// The server under soak: started by the soak (a temporary config with both ports
// 0, learnt from the log lines "signaling listening on http://HOST:PORT" and
// "metrics listening on HOST:PORT"; stopped with SIGTERM at the end) or attached
// to (a given pid and addresses; left running).

#include "bench/soak/options.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::soak {

struct server_endpoints {
  int pid = 0;
  std::string host;              // signaling, as in the log line
  std::uint16_t port = 0;
  std::string metrics_host;
  std::uint16_t metrics_port = 0;
};

// Pure: "...signaling listening on http://127.0.0.1:41234 (WebSocket at /ws and /)" etc.
std::optional<std::pair<std::string, std::uint16_t>> find_listen(const std::string& log, const std::string& marker);
// Pure: the soak's config file for `pairs` pairs (see server_process.cpp for why each key).
std::string soak_config_yaml(const options& o, const std::string& static_dir);

class server_process {
 public:
  explicit server_process(const options& o);
  ~server_process();  // stops a server it started, if still running
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  // Starts (or attaches); false with a message in error() when it could not.
  bool start();
  const server_endpoints& endpoints() const { return ep_; }
  bool started_here() const { return child_ > 0; }
  // SIGTERM, wait (SIGKILL after `grace_s`); the exit status, or -1 (killed, or not ours).
  int stop(double grace_s);
  const std::string& error() const { return error_; }
  std::string log_tail(std::size_t lines) const;
  std::string log_path() const { return dir_.empty() ? std::string() : dir_ + "/server.log"; }
  const std::vector<std::string>& command() const { return argv_; }

 private:
  bool spawn();
  bool wait_for_ports();
  bool attach();

  options opts_;
  std::string dir_;
  std::vector<std::string> argv_;
  int child_ = 0;
  server_endpoints ep_;
  std::string error_;
};

}  // namespace switchboard::soak
