#include "tests/support/redis_fixture.hpp"

#include "tests/support/deadline.hpp"
#include "tests/support/free_port.hpp"

#include <hiredis/hiredis.h>

#include <signal.h>
#include <sys/time.h>

#include <sstream>
#include <stdexcept>
#include <thread>

namespace switchboard::test {
namespace {

constexpr const char* redis_binary = "/usr/bin/redis-server";

struct context_deleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using context_ptr = std::unique_ptr<redisContext, context_deleter>;

struct reply_deleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};

admin_reply flatten(const redisReply& r) {
  admin_reply out;
  switch (r.type) {
    case REDIS_REPLY_INTEGER: out.type = admin_reply::kind::integer; out.integer = r.integer; break;
    case REDIS_REPLY_STRING: out.type = admin_reply::kind::string; out.text.assign(r.str, r.len); break;
    case REDIS_REPLY_STATUS: out.type = admin_reply::kind::status; out.text.assign(r.str, r.len); break;
    case REDIS_REPLY_ERROR: out.type = admin_reply::kind::error; out.text.assign(r.str, r.len); break;
    case REDIS_REPLY_ARRAY:
      out.type = admin_reply::kind::array;
      for (std::size_t i = 0; i < r.elements; ++i) {
        const auto e = flatten(*r.element[i]);
        out.elements.push_back(e.type == admin_reply::kind::integer ? std::to_string(e.integer) : e.text);
      }
      break;
    default: break;
  }
  return out;
}

std::unique_ptr<redisReply, reply_deleter> run(redisContext* c, const std::vector<std::string>& argv) {
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  void* r = redisCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data());
  return std::unique_ptr<redisReply, reply_deleter>(static_cast<redisReply*>(r));
}

// One short-lived connection, authenticated when the server has a password.
context_ptr admin_connect(std::uint16_t port, const std::string& password) {
  const timeval connect_timeout{1, 0};
  context_ptr c(redisConnectWithTimeout("127.0.0.1", port, connect_timeout));
  if (!c || c->err != 0) return nullptr;
  const timeval io_timeout{5, 0};
  redisSetTimeout(c.get(), io_timeout);
  if (!password.empty()) {
    auto r = run(c.get(), {"AUTH", password});
    if (!r || r->type == REDIS_REPLY_ERROR) return nullptr;
  }
  return c;
}

}  // namespace

redis_server::redis_server(redis_server_options opts) : opts_(std::move(opts)) {
  // Someone may take the picked port before redis-server binds it:
  // launch() notices (redis-server exits) and another one is tried.
  for (int tries = 0; tries < 5; ++tries) {
    if (launch(pick_free_port())) return;
  }
  throw std::runtime_error("redis-server did not start:\n" + output());
}

redis_server::~redis_server() {
  try {
    if (proc_) stop();
  } catch (...) {
    // process' destructor still SIGKILLs the group.
  }
}

std::string redis_server::url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

bool redis_server::launch(std::uint16_t port) {
  port_ = port;
  std::vector<std::string> argv{redis_binary, "--port", std::to_string(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", dir_.path(), "--daemonize", "no"};
  if (!opts_.password.empty()) {
    argv.push_back("--requirepass");
    argv.push_back(opts_.password);
  }
  argv.insert(argv.end(), opts_.extra_args.begin(), opts_.extra_args.end());
  proc_ = std::make_unique<process>(test::command(argv));
  paused_ = false;
  const auto until = within(std::chrono::seconds(10));
  while (clock::now() < until) {
    if (!proc_->running()) break;  // most likely the port was taken
    if (answers_ping()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  last_output_ += proc_->output();
  proc_.reset();
  return false;
}

bool redis_server::answers_ping() const {
  auto c = admin_connect(port_, opts_.password);
  if (!c) return false;
  auto r = run(c.get(), {"PING"});
  return r && r->type == REDIS_REPLY_STATUS && std::string(r->str, r->len) == "PONG";
}

void redis_server::stop() {
  if (!proc_) return;
  resume();
  proc_->signal(SIGTERM);
  if (!proc_->wait_exit(within(std::chrono::seconds(10)))) proc_->signal(SIGKILL);
  proc_->wait_exit(within(std::chrono::seconds(5)));
  last_output_ += proc_->output();
  proc_.reset();
}

void redis_server::start() {
  if (proc_) throw std::logic_error("redis_server::start: already running");
  if (!launch(port_)) throw std::runtime_error("redis-server did not restart on its port:\n" + output());
}

void redis_server::pause() {
  if (proc_ && !paused_) {
    proc_->signal(SIGSTOP);
    paused_ = true;
  }
}

void redis_server::resume() {
  if (proc_ && paused_) {
    proc_->signal(SIGCONT);
    paused_ = false;
  }
}

bool redis_server::running() const { return proc_ && proc_->running(); }

admin_reply redis_server::command(const std::vector<std::string>& argv) const {
  auto c = admin_connect(port_, opts_.password);
  if (!c) throw std::runtime_error("cannot reach redis-server on port " + std::to_string(port_));
  auto r = run(c.get(), argv);
  if (!r) throw std::runtime_error("redis admin command failed: " + std::string(c->errstr));
  return flatten(*r);
}

// CLIENT LIST lines read "id=7 addr=127.0.0.1:40312 ... name=foo age=0 ...".
int redis_server::kill_clients_named(const std::string& name) const {
  std::istringstream lines(command({"CLIENT", "LIST"}).text);
  int killed = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find(" name=" + name + " ") == std::string::npos) continue;
    const auto id = line.substr(3, line.find(' ') - 3);
    const auto r = command({"CLIENT", "KILL", "ID", id});
    if (r.type == admin_reply::kind::integer) killed += static_cast<int>(r.integer);
  }
  return killed;
}

bool redis_server::has_client_named(const std::string& name) const {
  return command({"CLIENT", "LIST"}).text.find(" name=" + name + " ") != std::string::npos;
}

long long redis_server::info_number(const std::string& section, const std::string& field) const {
  std::istringstream lines(command({"INFO", section}).text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

std::string redis_server::output() const { return last_output_ + (proc_ ? proc_->output() : std::string()); }

}  // namespace switchboard::test
