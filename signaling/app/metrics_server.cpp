// The metrics listener: accepts on its own io_context and thread, refuses
// connections past the limit, hands the others to metrics_http_session.

#include "signaling/app/metrics_server.hpp"

#include "signaling/app/metrics_http_route.hpp"
#include "signaling/app/metrics_http_session.hpp"
#include "signaling/config/scalars.hpp"
#include "signaling/net/listen.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>

namespace switchboard::app {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

struct metrics_server::impl {
  impl(const config::metrics_config& cfg, std::shared_ptr<prometheus::Registry> registry, spdlog::logger& log)
      : ctx(std::move(registry), log), ioc(1), acceptor(ioc), backoff(ioc) {
    net::listen_on(acceptor, cfg.listen, "metrics.listen");
    auto bound = cfg.listen;
    bound.port = acceptor.local_endpoint().port();
    log.info("metrics listening on {}", config::format_endpoint(bound));
    asio::co_spawn(ioc, accept_loop(), [&log](const std::exception_ptr& e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        log.error("metrics: the listener stopped: {}", x.what());
      }
    });
    thread = std::thread([this] { ioc.run(); });
  }

  // Stopping the io_context and then destroying it (after the members
  // declared below it) closes the listener and destroys every session with
  // its socket; ctx, declared first, outlives them.
  ~impl() {
    ioc.stop();
    thread.join();
  }


  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
      if (!acceptor.is_open()) co_return;
      if (ec) {
        // e.g. EMFILE: back off briefly instead of spinning on the error.
        ctx.log.warn("metrics: accept failed: {}", ec.message());
        backoff.expires_after(std::chrono::milliseconds(50));
        co_await backoff.async_wait(use_tuple);
        continue;
      }
      admit(std::move(socket));
    }
  }

  void admit(tcp::socket socket) {
    if (ctx.open < ctx.limits.max_connections) {
      start_metrics_http_session(std::move(socket), ctx);
      return;
    }
    ctx.stats.rejected(metrics_http_reject::max_connections).Increment();
    ctx.log.debug("metrics: connection refused: {} open", ctx.open);
    // Best effort and never blocking. Whatever request already arrived is
    // read first, as closing with unread bytes would reset the connection and
    // could discard the 503; a fresh socket's send buffer takes the answer.
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    if (ec) return;
    std::array<char, 1024> sink{};
    socket.read_some(asio::buffer(sink), ec);
    socket.write_some(asio::buffer(metrics_http_busy_response()), ec);
  }

  metrics_http_context ctx;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::steady_timer backoff;
  std::thread thread;
};

metrics_server::metrics_server(const config::metrics_config& cfg, std::shared_ptr<prometheus::Registry> registry,
                               spdlog::logger& log) {
  if (cfg.enabled) impl_ = std::make_unique<impl>(cfg, std::move(registry), log);
}

metrics_server::~metrics_server() = default;

}  // namespace switchboard::app
