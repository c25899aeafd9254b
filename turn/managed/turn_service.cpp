#include "turn/managed/turn_service.hpp"

#include "turn/coturn/config.hpp"
#include "turn/coturn/log_parser.hpp"
#include "turn/coturn/relay_metrics.hpp"
#include "turn/credentials/credentials.hpp"
#include "turn/managed/probe_metrics.hpp"
#include "turn/stun/probe.hpp"
#include "turn/supervisor/process_supervisor.hpp"
#include "turn/supervisor/supervisor_metrics.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <sys/stat.h>
#include <thread>

namespace switchboard::turn {

namespace asio = boost::asio;
using std::chrono::milliseconds;

std::string render_for(const coturn_options& opts) {
  auto rendered = render_coturn_config(opts);
  if (auto* err = std::get_if<render_error>(&rendered)) {
    std::string all = "cannot render the coturn config:";
    for (const auto& p : err->problems) all += "\n  " + p;
    throw std::runtime_error(all);
  }
  return std::get<std::string>(std::move(rendered));
}

namespace {

std::filesystem::path make_runtime_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/switchboard-turn-XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a runtime directory for coturn");
  return pattern;
}

// coturn's config holds the TURN secrets: readable by us only.
void write_private(const std::filesystem::path& file, const std::string& text) {
  {
    std::ofstream out(file, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + file.string());
  }
  ::chmod(file.c_str(), 0600);
}

}  // namespace

struct turn_service::impl {
  impl(managed_options o, prometheus::Registry& registry, std::shared_ptr<spdlog::logger> l)
      : opts(std::move(o)), log(std::move(l)), strand(asio::make_strand(ioc)), probe_timer(strand) {
    if (opts.probe) target = stun::probe_target{opts.probe->host, opts.probe->port};
    if (opts.managed) {
      relay.emplace(registry, std::max<std::size_t>(opts.coturn.total_quota, 1024));
      sup_metrics.emplace(registry);
    }
    if (target) probes.emplace(registry);
  }

  bool managed() const { return opts.managed; }

  void start() {
    if (managed()) start_supervisor();
    thread = std::thread([this] { ioc.run(); });
    if (target) asio::post(strand, [this] { schedule_probe(milliseconds(0)); });
  }

  void start_supervisor() {
    runtime_dir = make_runtime_dir();
    auto coturn = opts.coturn;
    coturn.pidfile = (runtime_dir / "turnserver.pid").string();
    const auto conf = runtime_dir / "turnserver.conf";
    write_private(conf, render_for(coturn));

    supervisor_config sc;
    sc.argv = {opts.binary, "-c", conf.string(), "--log-file=stdout", "-v"};
    sc.policy.crash_loop_restarts = static_cast<int>(opts.crash_loop_restarts);
    sc.policy.crash_loop_window = opts.crash_loop_window;
    sc.policy.stop_timeout = opts.stop_timeout;
    if (!opts.coturn.tls_cert.empty()) sc.cert_paths = {opts.coturn.tls_cert, opts.coturn.tls_key};
    sc.log = log;
    sc.metrics = &*sup_metrics;
    supervisor_callbacks cb;
    cb.on_line = [this](std::string_view line) { on_line(line); };
    cb.on_state = [this](child_state s) { on_state(s); };
    cb.check_ready = [this](std::function<void(bool)> done) {
      stun::stun_binding_check(strand, target_host(), opts.coturn.listen_port, milliseconds(500), std::move(done));
    };
    sup = std::make_unique<process_supervisor>(strand, std::move(sc), std::move(cb));
    log->info("managed coturn: {} with {}", opts.binary, conf.string());
    sup->start();
  }

  std::string target_host() const {
    const auto& h = opts.coturn.listen_ip;
    return h == "0.0.0.0" ? "127.0.0.1" : h == "::" ? "::1" : h;
  }

  void on_line(std::string_view line) {
    if (auto event = parse_coturn_line(line)) {
      relay->apply(*event);
      log->debug("coturn: {}", line);
    } else {
      log->info("coturn: {}", line);
    }
  }

  void on_state(child_state s) {
    log->log(s == child_state::given_up ? spdlog::level::err : spdlog::level::info, "managed coturn is {}",
             to_string(s));
    if (s == child_state::down || s == child_state::given_up) {
      relay->on_coturn_exit();
      probe_ok = false;
    }
    if (s == child_state::ready && target) schedule_probe(milliseconds(0));
  }

  void schedule_probe(milliseconds delay) {
    probe_timer.expires_after(delay);
    probe_timer.async_wait([this](boost::system::error_code ec) {
      if (!ec && !stopping) run_probe();
    });
  }

  void run_probe() {
    if (managed() && !sup->is_ready()) return;  // on_state(ready) schedules the next one
    const auto cred = mint(opts.probe->secret, "switchboard-probe", wall_clock::now(), min_ttl);
    stun::probe_config pc;
    pc.username = cred.username;
    pc.password = cred.password;
    pc.timeout = opts.probe->timeout;
    probe = std::make_unique<stun::turn_probe>(strand, *target, pc);
    probe->start([this](const stun::probe_result& r) { on_probe(r); });
  }

  void on_probe(const stun::probe_result& r) {
    probes->record(r);
    const bool was_ok = probe_ok.exchange(r.ok());
    if (!r.ok()) {
      log->warn("TURN probe of {}:{} failed: {}", target->host, target->port, stun::describe(r));
    } else if (!was_ok) {
      log->info("TURN probe of {}:{} passed: {}", target->host, target->port, stun::describe(r));
    }
    if (r.outcome != stun::probe_outcome::cancelled && !stopping) schedule_probe(opts.probe->interval);
  }

  void stop() {
    if (!thread.joinable()) return;
    asio::post(strand, [this] {
      stopping = true;
      probe_timer.cancel();
      if (probe) probe->cancel();
      if (!sup) return work.reset();
      sup->stop([this] { work.reset(); });
    });
    thread.join();
    probe.reset();
    sup.reset();
    if (!runtime_dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(runtime_dir, ec);
    }
  }

  const managed_options opts;
  std::shared_ptr<spdlog::logger> log;
  std::optional<stun::probe_target> target;
  std::optional<relay_metrics> relay;
  std::optional<supervisor_metrics> sup_metrics;
  std::optional<probe_metrics> probes;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer probe_timer;
  std::unique_ptr<process_supervisor> sup;
  std::unique_ptr<stun::turn_probe> probe;
  std::filesystem::path runtime_dir;
  std::thread thread;
  std::atomic<bool> probe_ok{false};
  bool stopping = false;
};

turn_service::turn_service(managed_options opts, prometheus::Registry& registry, std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_unique<impl>(std::move(opts), registry, std::move(log))) {}

turn_service::~turn_service() { stop(); }

bool turn_service::active() const noexcept { return impl_->managed() || impl_->target.has_value(); }

void turn_service::start() { impl_->start(); }

void turn_service::stop() { impl_->stop(); }

bool turn_service::ready() const noexcept {
  if (!impl_->managed()) return true;
  const bool probing = impl_->target.has_value();
  return impl_->sup && impl_->sup->is_ready() && (!probing || impl_->probe_ok);
}

}  // namespace switchboard::turn
