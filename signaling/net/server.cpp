// Listener, signal handling, the resume-grace sweep and the drain sequence.

#include "signaling/net/server.hpp"

#include "signaling/net/context.hpp"
#include "signaling/net/listen.hpp"
#include "signaling/net/sessions.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <csignal>
#include <stdexcept>
#include <thread>
#include <vector>

namespace switchboard::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

namespace {

// Time before the end of the drain period at which clients get close 1001,
// leaving room for the close handshakes.
milliseconds close_margin(milliseconds drain) { return std::min(milliseconds(2000), drain / 2); }

}  // namespace

struct server::impl {
  explicit impl(server_deps d)
      : ctx{d.cfg, d.hub, d.metrics, d.router, d.log, std::move(d.dependencies_ready),
            core::connection_limiter(d.cfg.server.max_connections, d.cfg.server.max_connections_per_ip),
            {}, {}, {}, {}, nullptr},
        ioc(static_cast<int>(std::max<std::size_t>(1, d.cfg.server.threads))),
        acceptor(asio::make_strand(ioc)),
        control(asio::make_strand(ioc)),
        signals(control, SIGINT, SIGTERM),
        hangup(control, SIGHUP),
        reload_config(std::move(d.reload_config)),
        reload_keys(std::move(d.reload_keys)),
        tick(std::move(d.tick)),
        spread_drain(d.spread_drain),
        handoffs_pending(std::move(d.handoffs_pending)),
        sweep_timer(control),
        drain_timer(control) {
    ctx.gate = d.gate;
    if (!ctx.cfg.server.tls.cert.empty()) ctx.tls = make_tls_context(ctx.cfg.server.tls);
    listen_on(acceptor, ctx.cfg.server.listen, "server.listen");
  }

  std::string url() const {
    const auto ep = acceptor.local_endpoint();
    const auto host = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
    return std::string(ctx.tls ? "https" : "http") + "://" + host + ":" + std::to_string(ep.port());
  }

  void do_accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](boost::system::error_code ec, tcp::socket socket) {
      on_accept(ec, std::move(socket));
    });
  }

  void on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) return on_accept_error(ec);
    accept_backoff = milliseconds(0);
    admit(std::move(socket));
    do_accept();
  }

  // Out of descriptors (EMFILE/ENFILE) or another accept() failure: counted,
  // logged at a bounded rate, retried after a backoff that doubles up to 1 s
  // instead of spinning on the error.
  void on_accept_error(const boost::system::error_code& ec) {
    const auto reason = ec == asio::error::no_descriptors ? metrics::accept_error::emfile
                        : ec.value() == ENFILE           ? metrics::accept_error::enfile
                                                         : metrics::accept_error::other;
    ctx.metrics.accept_errors(reason).Increment();
    accept_backoff = std::clamp(accept_backoff * 2, milliseconds(10), milliseconds(1000));
    if (std::string note; ctx.log_allowed(log_kind::accept_failed, note)) {
      ctx.log->warn("accept failed: {} (retrying in {} ms){}", ec.message(), accept_backoff.count(), note);
    }
    accept_timer.expires_after(accept_backoff);
    accept_timer.async_wait([this](boost::system::error_code e) {
      if (!e) do_accept();
    });
  }

  void admit(tcp::socket socket) {
    boost::system::error_code ec;
    auto ip = socket.remote_endpoint(ec).address().to_string();
    if (ec) return;
    // Signaling messages are small and latency-bound: no Nagle delay.
    socket.set_option(tcp::no_delay(true), ec);
    const auto verdict = ctx.limiter.try_acquire(ip);
    if (verdict == core::connection_limiter::verdict::ok) {
      start_http_session(std::move(socket), ctx, connection_slot(&ctx.limiter, std::move(ip)), std::nullopt);
      return;
    }
    const auto reason = verdict == core::connection_limiter::verdict::max_per_ip
                            ? metrics::reject_reason::max_per_ip
                            : metrics::reject_reason::max_connections;
    ctx.metrics.rejected(reason).Increment();
    ctx.log->debug("connection from {} refused: {}", ip, metrics::to_string(reason));
    // Answer with a 503 while few refusals are in progress; past that, just close.
    if (ctx.rejecting < 64) start_http_session(std::move(socket), ctx, connection_slot(), reason);
  }

  void schedule_sweep() {
    const auto period = std::clamp<milliseconds>(ctx.cfg.peers.resume_grace / 4, milliseconds(100),
                                                 milliseconds(1000));
    sweep_timer.expires_after(period);
    sweep_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      const auto now = core::steady_clock::now();
      auto fx = ctx.hub.expire(now);
      for (auto& d : fx.deliveries) d.to->deliver(std::move(d.msg));
      ctx.log_suppressed_summary();
      if (ctx.gate) ctx.gate->sweep(now);
      if (tick) tick();
      schedule_sweep();
    });
  }

  // SIGHUP: what can change without dropping anyone. Never exits.
  void on_hangup(boost::system::error_code ec, int) {
    if (ec) return;
    hangup.async_wait([this](boost::system::error_code e, int s) { on_hangup(e, s); });
    std::string error;
    std::optional<config::config> fresh;
    if (reload_config) fresh = reload_config(error);
    std::vector<std::string> done;
    bool ok = reload_config == nullptr || fresh.has_value();
    if (!ok) done.push_back("configuration not reloaded (" + error + "): keeping the running settings");
    if (fresh) {
      ctx.log->set_level(spdlog::level::from_str(fresh->log.level));
      done.push_back("log level " + fresh->log.level);
    }
    if (ctx.current_tls()) ok &= reload_tls(fresh ? fresh->server.tls : ctx.cfg.server.tls, done);
    if (reload_keys) ok &= reload_keys(done);
    ctx.metrics.reloads(ok ? metrics::reload_result::ok : metrics::reload_result::failed).Increment();
    std::string line;
    for (const auto& d : done) line += (line.empty() ? "" : "; ") + d;
    if (ok) {
      ctx.log->info("SIGHUP: {}", line.empty() ? std::string("nothing to reload") : line);
    } else {
      ctx.log->warn("SIGHUP: {}", line);
    }
  }

  // New handshakes use the new certificate; established connections keep theirs.
  bool reload_tls(const config::tls_config& files, std::vector<std::string>& done) {
    try {
      std::shared_ptr<asio::ssl::context> fresh = make_tls_context(files);
      std::lock_guard lock(ctx.tls_mutex);
      ctx.tls = std::move(fresh);
      done.push_back("TLS certificate reloaded from " + files.cert);
      return true;
    } catch (const std::exception& e) {
      done.push_back(std::string("TLS certificate kept: ") + e.what());
      return false;
    }
  }

  void on_signal(boost::system::error_code ec, int sig) {
    if (ec) return;
    if (ctx.draining.exchange(true)) {
      ctx.log->warn("second signal ({}): stopping now", sig);
      ioc.stop();
      return;
    }
    const auto drain = std::chrono::duration_cast<milliseconds>(ctx.cfg.server.drain_period);
    ctx.log->info("signal {}: draining {} connection(s) for up to {} ms; /readyz reports 503, upgrades are refused",
                  sig,
                  ctx.sessions.size(), drain.count());
    const auto now = std::chrono::steady_clock::now();
    close_at = now + drain - close_margin(drain);
    stop_at = now + drain;
    drain_started = now;
    drain_total = ctx.sessions.size();
    signals.async_wait([this](boost::system::error_code e, int s) { on_signal(e, s); });
    drain_tick();
  }

  // Every 50 ms: close clients once close_at is reached, stop when no
  // connection is left or the drain period is over.
  void drain_tick() {
    const auto now = std::chrono::steady_clock::now();
    if (spread_drain && !closed_all && now < close_at && close_at > drain_started) {
      // A share of the connections per tick, in proportion to the time gone:
      // clients reconnect (and resume elsewhere) spread over the period.
      const double gone = std::chrono::duration<double>(now - drain_started) /
                          std::chrono::duration<double>(close_at - drain_started);
      const auto due = static_cast<std::size_t>(std::ceil(gone * static_cast<double>(drain_total)));
      if (due > drain_asked) drain_asked += ctx.sessions.close_some(due - drain_asked, core::close_code::going_away);
    }
    if (!closed_all && now >= close_at) {
      closed_all = true;
      // Until now the listener answered /readyz with 503 and refused upgrades,
      // so load balancers saw the drain; from here on nothing new is accepted.
      asio::post(acceptor.get_executor(), [this] {
        boost::system::error_code ignored;
        acceptor.close(ignored);
      });
      ctx.log->info("drain: closing {} connection(s) with 1001", ctx.sessions.size());
      ctx.sessions.close_all(core::close_code::going_away);
    }
    const bool handed_over = !spread_drain || !handoffs_pending || !handoffs_pending();
    if ((ctx.sessions.size() == 0 && handed_over) || now >= stop_at) {
      ctx.log->info("drain complete ({} connection(s) left): exiting", ctx.sessions.size());
      ioc.stop();
      return;
    }
    drain_timer.expires_after(milliseconds(50));
    drain_timer.async_wait([this](boost::system::error_code e) {
      if (!e) drain_tick();
    });
  }

  int run() {
    ctx.log->info("signaling listening on {} (WebSocket at {} and /)", url(), ctx.cfg.server.ws_path);
    do_accept();
    schedule_sweep();
    signals.async_wait([this](boost::system::error_code e, int s) { on_signal(e, s); });
    hangup.async_wait([this](boost::system::error_code e, int s) { on_hangup(e, s); });
    std::vector<std::jthread> threads;
    for (std::size_t i = 1; i < std::max<std::size_t>(1, ctx.cfg.server.threads); ++i) {
      threads.emplace_back([this] { ioc.run(); });
    }
    ioc.run();
    for (auto& t : threads) t.join();
    ctx.stopped = true;
    return 0;
  }

  // ctx outlives ioc: sessions still owned by pending handlers are destroyed
  // with ioc and use ctx in their destructors.
  shared_context ctx;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::strand<asio::io_context::executor_type> control;  // signals, sweep and drain
  asio::signal_set signals;
  asio::signal_set hangup;
  std::function<std::optional<config::config>(std::string&)> reload_config;
  std::function<bool(std::vector<std::string>&)> reload_keys;
  std::function<void()> tick;
  bool spread_drain = false;
  std::function<bool()> handoffs_pending;
  asio::steady_timer accept_timer{acceptor.get_executor()};
  milliseconds accept_backoff{0};
  asio::steady_timer sweep_timer;
  asio::steady_timer drain_timer;
  std::chrono::steady_clock::time_point close_at{};
  std::chrono::steady_clock::time_point stop_at{};
  std::chrono::steady_clock::time_point drain_started{};
  std::size_t drain_total = 0;   // connections when the drain began (spread_drain)
  std::size_t drain_asked = 0;   // of those, asked to close so far
  bool closed_all = false;
};

server::server(server_deps deps) : impl_(std::make_unique<impl>(std::move(deps))) {}
server::~server() = default;
std::string server::url() const { return impl_->url(); }
int server::run() { return impl_->run(); }

}  // namespace switchboard::net
