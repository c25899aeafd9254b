#include "bench/soak/server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>

namespace switchboard::soak {

namespace {

using clock = std::chrono::steady_clock;
constexpr auto port_wait = std::chrono::seconds(30);

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "http://127.0.0.1:8080" or "127.0.0.1:8080" -> host, port.
std::optional<std::pair<std::string, std::uint16_t>> split_host_port(std::string_view s) {
  if (const auto scheme = s.find("://"); scheme != std::string_view::npos) s.remove_prefix(scheme + 3);
  const auto colon = s.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto port = std::atoi(std::string(s.substr(colon + 1)).c_str());
  if (port <= 0 || port > 65535) return std::nullopt;
  return std::pair{std::string(s.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

}  // namespace

std::optional<std::pair<std::string, std::uint16_t>> find_listen(const std::string& log, const std::string& marker) {
  const auto at = log.find(marker);
  if (at == std::string::npos) return std::nullopt;
  const auto begin = at + marker.size();
  const auto end = log.find_first_of(" \n\"", begin);
  return split_host_port(std::string_view(log).substr(begin, end == std::string::npos ? end : end - begin));
}

std::string soak_config_yaml(const options& o, const std::string& static_dir) {
  // Shipped defaults except: loopback listeners on ports the kernel picks; room for
  // every client plus the reconnects in progress (server.max_connections defaults to
  // 10,000, exactly 5,000 pairs); a production profile as deployed, which needs an
  // allowed origin, a TURN secret and an auth mode (none: the soak measures the relay,
  // not token checks). Per-address limits stay at their defaults: the
  // soak spreads its clients over many 127.x.y.z source addresses instead.
  std::ostringstream y;
  y << "profile: production\n"
    << "server:\n"
    << "  listen: 127.0.0.1:0\n"
    << "  static_dir: " << static_dir << "\n"
    << "  allowed_origins: [\"" << o.origin << "\"]\n"
    << "  max_connections: " << 2 * o.pairs + 2000 << "\n"
    << "metrics:\n  enabled: true\n  listen: 127.0.0.1:0\n"
    << "auth:\n  mode: none\n"
    << "peers:\n  resume_grace: " << static_cast<long>(o.resume_grace_s) << "s\n"
    << "turn:\n"
    << "  secrets: [\"soak-only-not-a-real-secret\"]\n"
    << "  uris: [\"turn:turn.soak.test:3478?transport=udp\"]\n"
    << "log:\n  level: info\n  format: text\n";
  return y.str();
}

server_process::server_process(const options& o) : opts_(o) {}

server_process::~server_process() {
  if (child_ > 0) stop(10);
  if (!dir_.empty() && !opts_.keep_temp) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

bool server_process::start() {
  if (opts_.attach_pid > 0) return attach();
  char tmpl[] = "/tmp/switchboard-soak.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return error_ = "mkdtemp failed", false;
  dir_ = tmpl;
  std::filesystem::create_directory(dir_ + "/web");
  std::ofstream(dir_ + "/soak.yaml") << soak_config_yaml(opts_, dir_ + "/web");
  return spawn() && wait_for_ports();
}

bool server_process::spawn() {
  argv_ = {opts_.server_binary, "serve", "--config", dir_ + "/soak.yaml"};
  for (const auto& kv : opts_.config_sets) {
    argv_.push_back("--set");
    argv_.push_back(kv);
  }
  if (::access(argv_[0].c_str(), X_OK) != 0) {
    return error_ = "cannot start " + opts_.server_binary + ": " + std::strerror(errno), false;
  }
  std::vector<char*> args;
  for (auto& a : argv_) args.push_back(a.data());
  args.push_back(nullptr);
  const int log = ::open(log_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log < 0) return error_ = "cannot write " + log_path() + ": " + std::strerror(errno), false;
  // fork + exec rather than posix_spawn, for PR_SET_PDEATHSIG: a soak that dies
  // (crash, SIGKILL) takes its server with it instead of leaving it running.
  // The soak has one thread here; the child makes only async-signal-safe calls.
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(log);
  if (pid < 0) return error_ = std::string("fork: ") + std::strerror(errno), false;
  child_ = pid;
  ep_.pid = pid;
  return true;
}

bool server_process::wait_for_ports() {
  const auto deadline = clock::now() + port_wait;
  while (clock::now() < deadline) {
    int status = 0;
    if (::waitpid(child_, &status, WNOHANG) == child_) {
      child_ = 0;
      return error_ = "the server exited at start-up:\n" + log_tail(20), false;
    }
    const auto log = read_file(log_path());
    const auto ws = find_listen(log, "signaling listening on ");
    const auto metrics = find_listen(log, "metrics listening on ");
    if (ws && metrics) {
      std::tie(ep_.host, ep_.port) = *ws;
      std::tie(ep_.metrics_host, ep_.metrics_port) = *metrics;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a file, with a deadline
  }
  return error_ = "no listening lines in the server log within 30 s:\n" + log_tail(20), false;
}

bool server_process::attach() {
  ep_.pid = opts_.attach_pid;
  const auto ws = split_host_port(opts_.attach_url);
  const auto metrics = split_host_port(opts_.attach_metrics);
  if (!ws || !metrics) return error_ = "--attach-pid needs --url http://HOST:PORT and --metrics HOST:PORT", false;
  if (::kill(ep_.pid, 0) != 0) return error_ = "no process " + std::to_string(ep_.pid), false;
  std::tie(ep_.host, ep_.port) = *ws;
  std::tie(ep_.metrics_host, ep_.metrics_port) = *metrics;
  return true;
}

int server_process::stop(double grace_s) {
  if (child_ <= 0) return -1;
  ::kill(child_, SIGTERM);
  const auto deadline = clock::now() + std::chrono::milliseconds(static_cast<long>(grace_s * 1000));
  int status = 0;
  pid_t done = 0;
  while ((done = ::waitpid(child_, &status, WNOHANG)) == 0 && clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (done == 0) {
    ::kill(child_, SIGKILL);
    ::waitpid(child_, &status, 0);
    status = -1;
  }
  child_ = 0;
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::string server_process::log_tail(std::size_t lines) const {
  const auto log = read_file(log_path());
  std::size_t at = log.size();
  for (std::size_t n = 0; n <= lines && at != std::string::npos && at > 0; ++n) at = log.rfind('\n', at - 1);
  return at == std::string::npos ? log : log.substr(at + 1);
}

}  // namespace switchboard::soak
