// The metrics port cannot be blocked: half-sent requests and idle or excess
// connections never delay a scrape; they are closed after the request
// timeout (5 s) or refused past the connection limit (32), and counted.
// Wrong paths, methods and malformed requests get 404, 405 and 400/431.

#include "tests/support/deadline.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/metrics_text.hpp"
#include "tests/support/server_fixture.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace switchboard::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t max_connections = 32;   // metrics_http_limits::max_connections
constexpr auto request_timeout = 5000ms;      // metrics_http_limits::request_timeout
constexpr std::string_view half_request = "GET /metrics HTTP/1.1\r\nHost: x\r\n";

// A raw TCP client on 127.0.0.1 that misbehaves on purpose: sends what it is
// told, never reads unless asked, and notices when the server closes.
class raw_conn {
public:
  explicit raw_conn(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) close();
    connected_at_ = clock::now();
  }
  ~raw_conn() { close(); }
  raw_conn(raw_conn&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)), received_(std::move(o.received_)), closed_(o.closed_),
        connected_at_(o.connected_at_), closed_at_(o.closed_at_) {}
  raw_conn(const raw_conn&) = delete;
  raw_conn& operator=(const raw_conn&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool send(std::string_view data) {
    return ok() && ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Reads whatever has arrived without blocking; true once the server has
  // closed (end of stream or reset).
  bool pump() {
    char buf[4096];
    while (ok() && !closed_) {
      const auto n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        received_.append(buf, static_cast<std::size_t>(n));
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        break;
      } else {
        closed_ = true;
        closed_at_ = clock::now();
      }
    }
    return closed_;
  }
  // Pumps until the server closes or the deadline passes; true when closed.
  bool wait_closed(deadline until) {
    while (!pump() && clock::now() < until) std::this_thread::sleep_for(10ms);
    return closed_;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  const std::string& received() const { return received_; }
  clock::duration open_for() const { return closed_at_ - connected_at_; }

private:
  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
  clock::time_point connected_at_{};
  clock::time_point closed_at_{};
};

std::vector<raw_conn> open_conns(std::uint16_t port, std::size_t n, std::string_view first_bytes) {
  std::vector<raw_conn> conns;
  for (std::size_t i = 0; i < n; ++i) {
    conns.emplace_back(port);
    EXPECT_TRUE(conns.back().ok());
    if (!first_bytes.empty()) {
      EXPECT_TRUE(conns.back().send(first_bytes));
    }
  }
  return conns;
}

// Pumps every connection until `done` holds or the deadline passes.
bool pump_until(std::vector<raw_conn>& conns, const std::function<bool()>& done, deadline until) {
  for (;;) {
    for (auto& c : conns) c.pump();
    if (done() || clock::now() >= until) return done();
    std::this_thread::sleep_for(10ms);
  }
}

std::size_t count_where(const std::vector<raw_conn>& conns, const std::function<bool(const raw_conn&)>& pred) {
  std::size_t n = 0;
  for (const auto& c : conns) n += pred(c) ? 1 : 0;
  return n;
}

std::string rejected(std::string_view reason) {
  return "switchboard_metrics_http_rejected_total{reason=\"" + std::string(reason) + "\"}";
}

TEST(metrics_port, half_sent_requests_neither_delay_a_scrape_nor_stay_open) {
  server_fixture server;
  auto stalled = open_conns(server.metrics_port(), 8, half_request);
  // A well-behaved keep-alive client that goes quiet after one response.
  raw_conn kept(server.metrics_port());
  ASSERT_TRUE(kept.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));

  const auto quickly = within(2s);
  http_request req;
  req.port = server.metrics_port();
  req.target = "/metrics";
  req.timeout = 2000ms;
  const auto res = http_send(req);
  ASSERT_EQ(res.status, 200) << res.error;
  EXPECT_LT(clock::now(), quickly) << "a scrape waited behind idle connections";
  // The 8 stalled, the kept-alive one and this scrape.
  EXPECT_EQ(find_metric(res.body, "switchboard_metrics_http_connections"), 10);
  EXPECT_EQ(find_metric(res.body, rejected("timeout")), 0);

  const auto until = within(request_timeout + 5s);
  for (auto& c : stalled) {
    ASSERT_TRUE(c.wait_closed(until)) << "a half-sent request was never timed out";
    EXPECT_EQ(c.received(), "") << "no answer is owed to a request that never finished";
    EXPECT_GE(c.open_for(), request_timeout - 500ms) << "closed before the documented timeout";
  }
  ASSERT_TRUE(kept.wait_closed(until)) << "an idle keep-alive connection was never closed";
  EXPECT_TRUE(kept.received().starts_with("HTTP/1.1 200 OK\r\n")) << kept.received().substr(0, 200);
  // Only the stalled requests count as timeouts, not the idle keep-alive connection.
  auto is = [](double want) { return [want](double v) { return v == want; }; };
  EXPECT_EQ(server.wait_metric(rejected("timeout"), is(8), within(2s)), 8);
  EXPECT_EQ(server.wait_metric("switchboard_metrics_http_connections", is(1), within(2s)), 1);
}

TEST(metrics_port, connections_past_the_limit_get_503_and_are_counted) {
  server_fixture server;
  auto conns = open_conns(server.metrics_port(), max_connections + 8, "");
  auto got_503 = [](const raw_conn& c) { return c.received().starts_with("HTTP/1.1 503 "); };
  pump_until(conns, [&] { return count_where(conns, got_503) >= 8; }, within(3s));
  EXPECT_EQ(count_where(conns, got_503), 8u);
  EXPECT_EQ(count_where(conns, [&](const raw_conn& c) { return !got_503(c) && !c.received().empty(); }), 0u);
  // While every slot is held, a scraper is told so rather than left waiting.
  EXPECT_EQ(http_get(server.metrics_port(), "/metrics").status, 503);

  for (auto& c : conns) c.close();
  // The server notices the closes as it goes; scrapes it refuses meanwhile count too.
  double refused = 9;
  http_response res;
  for (const auto until = within(5s); clock::now() < until; std::this_thread::sleep_for(20ms)) {
    res = http_get(server.metrics_port(), "/metrics");
    if (res.status == 200) break;
    ++refused;
  }
  ASSERT_EQ(res.status, 200) << "no scrape succeeded after the flood: " << res.error;
  EXPECT_EQ(find_metric(res.body, rejected("max_connections")), refused);
  EXPECT_TRUE(server.wait_metric("switchboard_metrics_http_connections", [](double v) { return v == 1; },
                                 within(3s)));
}

struct answer_case {
  const char* name;
  std::string request;
  std::string status_line;  // the response starts with it
  std::string also;         // and contains this, when not empty
};

TEST(metrics_port, answers_wrong_paths_methods_and_malformed_requests) {
  server_fixture server;
  const std::string close = "Host: x\r\nConnection: close\r\n\r\n";
  const std::vector<answer_case> cases{
      {"unknown path", "GET /nope HTTP/1.1\r\n" + close, "HTTP/1.1 404 ", ""},
      {"root", "GET / HTTP/1.1\r\n" + close, "HTTP/1.1 404 ", ""},
      {"POST with a body", "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", "HTTP/1.1 405 ",
       "Allow: GET, HEAD\r\n"},
      {"DELETE", "DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 405 ", ""},
      {"garbage", "hello there\r\n\r\n", "HTTP/1.1 400 ", ""},
      {"bad version", "GET /metrics HTTP/9\r\nHost: x\r\n\r\n", "HTTP/1.1 400 ", ""},
      {"GET with a body", "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "HTTP/1.1 400 ",
       ""},
      {"header over 8 KiB", "GET /metrics HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n" + close,
       "HTTP/1.1 431 ", ""},
      {"query string", "GET /metrics?x=1 HTTP/1.1\r\n" + close, "HTTP/1.1 200 ", "\nswitchboard_build_info{"},
      {"HTTP/1.0 closes by default", "GET /metrics HTTP/1.0\r\n\r\n", "HTTP/1.0 200 ", "\nswitchboard_build_info{"},
      {"HEAD", "HEAD /metrics HTTP/1.1\r\n" + close, "HTTP/1.1 200 ", "Content-Type: text/plain; version=0.0.4"},
      {"pipelined", "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\n" + close, "HTTP/1.1 200 ",
       "\nHTTP/1.1 404 "},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    raw_conn conn(server.metrics_port());
    ASSERT_TRUE(conn.send(c.request));
    EXPECT_TRUE(conn.wait_closed(within(3s))) << "the server kept the connection open";
    EXPECT_TRUE(conn.received().starts_with(c.status_line)) << conn.received().substr(0, 300);
    if (!c.also.empty()) {
      EXPECT_NE(conn.received().find(c.also), std::string::npos) << conn.received().substr(0, 300);
    }
  }
  const auto res = http_get(server.metrics_port(), "/metrics");
  ASSERT_EQ(res.status, 200) << res.error;
  EXPECT_EQ(res.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(find_metric(res.body, rejected("bad_request")), 4) << "garbage, bad version, GET with a body, 8 KiB";
  EXPECT_EQ(find_metric(res.body, rejected("timeout")), 0);
  EXPECT_EQ(find_metric(res.body, "switchboard_metrics_http_scrapes_total"), 5)
      << "query string, HTTP/1.0, HEAD, pipelined, and this one";
}

TEST(metrics_port, head_sends_the_length_but_no_body) {
  server_fixture server;
  raw_conn conn(server.metrics_port());
  ASSERT_TRUE(conn.send("HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  ASSERT_TRUE(conn.wait_closed(within(3s)));
  const auto& text = conn.received();
  const auto end = text.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos) << text;
  EXPECT_EQ(end + 4, text.size()) << "HEAD got a body";
  const auto at = text.find("Content-Length: ");
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_GT(std::stoul(text.substr(at + 16)), 1000u) << text;
}

TEST(metrics_port, stops_promptly_with_connections_open) {
  server_fixture server;
  auto stalled = open_conns(server.metrics_port(), 8, half_request);
  auto idle = open_conns(server.metrics_port(), 4, "");
  // The connections are being served before the stop.
  ASSERT_TRUE(server.wait_metric("switchboard_metrics_http_connections", [](double v) { return v == 13; },
                                 within(3s)));
  const auto promptly = within(2s);
  const int status = server.stop(within(10s));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << describe_status(status);
  EXPECT_LT(clock::now(), promptly) << "stopping waited for metrics connections";
  for (auto& c : stalled) EXPECT_TRUE(c.wait_closed(within(1s)));
}

}  // namespace
}  // namespace switchboard::test
