#include "turn/stun/probe.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <array>
#include <utility>

namespace switchboard::stun {

namespace net = boost::asio;
using udp = net::ip::udp;

class turn_probe::state : public std::enable_shared_from_this<state> {
public:
  state(net::any_io_executor ex, probe_target target, probe_config cfg)
      : strand_(net::make_strand(ex)),
        resolver_(strand_),
        socket_(strand_),
        timer_(strand_),
        target_(std::move(target)),
        machine_(std::move(cfg), random_transaction_id) {}

  void start(callback done) {
    net::dispatch(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
      if (self->started_ || self->finished_) {
        return;  // started twice, or cancelled before it began
      }
      self->started_ = true;
      self->done_ = std::move(done);
      self->do_resolve();
    });
  }

  // Without a callback: abandon silently; with: report cancellation.
  void stop(bool report) {
    net::dispatch(strand_, [self = shared_from_this(), report] {
      if (!report) {
        self->done_ = nullptr;
      }
      self->complete(self->machine_.fail(probe_outcome::cancelled, "cancelled", probe_clock::now()));
    });
  }

private:
  void do_resolve() {
    // Numeric addresses (the managed coturn) skip the resolver and its thread.
    boost::system::error_code not_numeric;
    const auto address = net::ip::make_address(target_.host, not_numeric);
    if (!not_numeric) {
      open(udp::endpoint(address, target_.port));
      return;
    }
    resolver_.async_resolve(target_.host, std::to_string(target_.port),
                            [self = shared_from_this()](boost::system::error_code ec,
                                                        const udp::resolver::results_type& results) {
                              self->on_resolve(ec, results);
                            });
  }

  void on_resolve(boost::system::error_code ec, const udp::resolver::results_type& results) {
    if (finished_) {
      return;
    }
    if (ec || results.empty()) {
      fail_network("cannot resolve " + target_.host + ": " + ec.message());
      return;
    }
    open(results.begin()->endpoint());
  }

  void open(const udp::endpoint& server) {
    boost::system::error_code ec;
    server_ = server;
    socket_.open(server_.protocol(), ec);
    if (!ec) {
      // Bound before the first receive so replies have somewhere to land.
      socket_.bind(udp::endpoint(server_.protocol(), 0), ec);
    }
    if (ec) {
      fail_network("cannot open a UDP socket: " + ec.message());
      return;
    }
    do_receive();
    perform(machine_.resume(start_event{probe_clock::now()}));
  }

  void perform(probe_action action) {
    if (auto* send = std::get_if<send_action>(&action)) {
      do_send(std::move(send->datagram));
      arm(send->deadline);
    } else if (auto* wait = std::get_if<wait_action>(&action)) {
      arm(wait->deadline);
    } else {
      complete(std::get<done_action>(action).result);
    }
  }

  void do_send(bytes datagram) {
    auto data = std::make_shared<bytes>(std::move(datagram));
    socket_.async_send_to(net::buffer(*data), server_,
                          [self = shared_from_this(), data](boost::system::error_code ec, std::size_t) {
                            if (ec && ec != net::error::operation_aborted && !self->finished_) {
                              self->fail_network("cannot send: " + ec.message());
                            }
                          });
  }

  void arm(probe_clock::time_point deadline) {
    timer_.expires_at(deadline);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec == net::error::operation_aborted || self->finished_) {
        return;  // re-armed or finished; a stale expiry is harmless (the machine re-checks)
      }
      self->perform(self->machine_.resume(timeout_event{probe_clock::now()}));
    });
  }

  void do_receive() {
    socket_.async_receive_from(net::buffer(buffer_), sender_,
                               [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                                 self->on_receive(ec, n);
                               });
  }

  void on_receive(boost::system::error_code ec, std::size_t n) {
    if (finished_ || ec == net::error::operation_aborted) {
      return;
    }
    if (ec) {
      fail_network("cannot receive: " + ec.message());
      return;
    }
    if (sender_ == server_) {  // anything else on this port is not the server's answer
      perform(machine_.resume(datagram_event{probe_clock::now(), byte_view(buffer_.data(), n)}));
    }
    if (!finished_) {
      do_receive();
    }
  }

  void fail_network(std::string reason) {
    complete(machine_.fail(probe_outcome::network_error, std::move(reason), probe_clock::now()));
  }

  void complete(const probe_result& result) {
    if (finished_) {
      return;
    }
    finished_ = true;
    boost::system::error_code ignored;
    timer_.cancel();
    resolver_.cancel();
    socket_.close(ignored);
    if (auto done = std::exchange(done_, nullptr)) {
      done(result);
    }
  }

  net::strand<net::any_io_executor> strand_;
  udp::resolver resolver_;
  udp::socket socket_;
  net::steady_timer timer_;
  probe_target target_;
  turn_probe_machine machine_;
  callback done_;
  bool started_ = false;
  bool finished_ = false;
  udp::endpoint server_;
  udp::endpoint sender_;
  std::array<std::uint8_t, 4096> buffer_{};
};

turn_probe::turn_probe(net::any_io_executor ex, probe_target target, probe_config cfg)
    : state_(std::make_shared<state>(std::move(ex), std::move(target), std::move(cfg))) {}

turn_probe::~turn_probe() { state_->stop(false); }

void turn_probe::start(callback done) { state_->start(std::move(done)); }

void turn_probe::cancel() { state_->stop(true); }

void stun_binding_check(net::any_io_executor ex, std::string host, std::uint16_t port,
                        std::chrono::milliseconds timeout, std::function<void(bool ok)> done) {
  probe_config cfg;
  cfg.mode = probe_mode::binding_only;
  cfg.timeout = timeout;
  auto op = std::make_shared<turn_probe::state>(std::move(ex), probe_target{std::move(host), port},
                                                std::move(cfg));
  op->start([done = std::move(done)](const probe_result& r) { done(r.ok()); });
}

}  // namespace switchboard::stun
