// The public port before any WebSocket: what signaling/net/http_session does
// with the bytes of one connection, without the socket. Beast's request
// parser with the session's limits reads requests one after another (as the
// session does on keep-alive); each goes to the upgrade checks
// (ws::is_upgrade_request, origin_allowed, ws::check_upgrade) or to
// http_router::handle, which serves a temporary static directory, the health
// checks and the TURN REST API. After an accepted upgrade, the bytes that
// follow go to the frame parser, as the session hands them over.
//
// Checked: only the statuses the router documents; JSON replies parse; a
// static 200 is one of the files in the directory, never the file beside it
// (reachable through a symlink and "..") nor a hidden one; credentials only
// with the API key; an accepted upgrade answers with the key's accept value.

#include "fuzz_check.hpp"
#include "signaling/net/http_router.hpp"
#include "signaling/net/ws_frame.hpp"
#include "signaling/net/ws_handshake.hpp"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;
namespace net = switchboard::net;
namespace turn = switchboard::turn;

constexpr std::string_view outside_marker = "OUTSIDE-THE-STATIC-DIR";
constexpr std::string_view hidden_marker = "HIDDEN-FILE";
constexpr std::string_view api_key = "fuzz-api-key";
const std::vector<std::string> allowed_origins{"https://app.example.com", "http://localhost:8080"};

void write_file(const fs::path& p, std::string_view text) { std::ofstream(p, std::ios::binary) << text; }

// static/ holds the files that may be served, a hidden one and symlinks that
// lead out of it; the file they lead to sits next to static/.
struct fixture {
  fs::path root;
  std::set<std::string> servable;
  turn::ice_server_source ice{{"stun:stun.example.org:3478", "turn:turn.example.org:3478?transport=udp"},
                              "fuzz-signing-secret", std::chrono::seconds(3600), [] {
                                return turn::wall_clock::time_point(std::chrono::seconds(1800000000));
                              }};
  std::unique_ptr<net::http_router> router;
  std::unique_ptr<net::http_router> other_key;  // the same with another API key

  fixture() {
    std::string tmpl = (fs::temp_directory_path() / "switchboard-fuzz-http-XXXXXX").string();
    root = ::mkdtemp(tmpl.data());
    const auto dir = root / "static";
    fs::create_directories(dir / "sub");
    const std::pair<const char*, const char*> files[] = {
        {"index.html", "<!doctype html><title>fuzz</title>index\n"},
        {"app.js", "export const fuzz = true;\n"},
        {"sub/page.css", "body { color: black; }\n"}};
    for (const auto& [name, text] : files) {
      write_file(dir / name, text);
      servable.insert(text);
    }
    write_file(dir / ".hidden", hidden_marker);
    write_file(root / "secret.txt", outside_marker);
    fs::create_symlink("../secret.txt", dir / "leak");
    fs::create_directory_symlink("..", dir / "up");
    net::http_router_options opts;
    opts.static_dir = dir;
    opts.rest_api = true;
    opts.api_keys = {std::string(api_key)};
    router = std::make_unique<net::http_router>(opts, ice);
    opts.api_keys = {"another-api-key"};
    other_key = std::make_unique<net::http_router>(opts, ice);
  }
  ~fixture() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

fixture& the_fixture() {
  static fixture f;
  return f;
}

void check_reply(const fixture& f, const net::http_request& req, const net::http_reply& r) {
  static const std::set<unsigned> documented{200, 400, 401, 404, 405, 500, 503};
  FUZZ_CHECK(documented.contains(r.status));
  if (r.content_type == "application/json") {
    boost::system::error_code ec;
    const auto v = boost::json::parse(r.body, ec);
    FUZZ_CHECK(!ec && v.is_object());
  }
  const auto path = req.target.substr(0, req.target.find('?'));
  if (r.status != 200 || path == "/healthz" || path == "/readyz") return;
  if (path == "/api/v1/turn-credentials") {
    // One request presents one key: the router with another key refuses it.
    FUZZ_CHECK(f.other_key->handle(req, true).status == 401);
    return;
  }
  // A static file: one of those in the directory (so never the hidden one nor the one beside it).
  if (req.method == "HEAD") {
    FUZZ_CHECK(r.body.empty());
    FUZZ_CHECK(f.servable.contains(f.router->handle({"GET", req.target, req.authorization}, true).body));
  } else {
    FUZZ_CHECK(f.servable.contains(r.body));
  }
}

// The upgrade half of http_session::on_read; true when the session would
// hand the connection to the WebSocket layer.
bool upgrade(const http::request<http::string_body>& req) {
  const auto target = req.target();
  const auto path = target.substr(0, target.find('?'));
  if (path != "/ws" && path != "/") return false;
  const auto origin = req[http::field::origin];
  const bool origin_ok = net::origin_allowed(allowed_origins, origin);
  FUZZ_CHECK(net::origin_allowed({}, origin) && net::origin_allowed({"*"}, origin));
  if (!origin_ok) return false;
  const auto key = req[http::field::sec_websocket_key];
  if (!net::ws::check_upgrade(req[http::field::sec_websocket_version], key).empty()) return false;
  const auto accept = net::ws::accept_key(key);
  FUZZ_CHECK(accept.size() == 28);
  const auto response = net::ws::upgrade_response(key);
  FUZZ_CHECK(response.starts_with("HTTP/1.1 101 ") && response.ends_with("\r\n\r\n"));
  FUZZ_CHECK(response.find("Sec-WebSocket-Accept: " + accept + "\r\n") != std::string::npos);
  return true;
}

// Reads one request from the front of `in` as Beast's async_read does;
// false when the connection would end (error or end of stream).
bool read_request(std::string_view& in, http::request_parser<http::string_body>& parser) {
  parser.body_limit(8192);  // server.max_http_body_bytes
  parser.header_limit(16 * 1024);
  parser.eager(true);
  while (!parser.is_done()) {
    boost::beast::error_code ec;
    const auto used = parser.put(boost::asio::const_buffer(in.data(), in.size()), ec);
    in.remove_prefix(used);
    if (ec == http::error::need_more && used > 0) continue;
    if (ec && ec != http::error::need_more) return false;
    if (!ec && used > 0) continue;
    // No progress: the socket would read again and see end of stream.
    if (!parser.got_some()) return false;
    parser.put_eof(ec);
    return !ec && parser.is_done();
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& f = the_fixture();
  std::string_view in = switchboard::fuzz::as_text(data, size);
  const bool ready = size % 2 == 0;
  for (int n = 0; n < 16; ++n) {
    http::request_parser<http::string_body> parser;
    if (!read_request(in, parser)) return 0;
    auto req = parser.release();
    if (net::ws::is_upgrade_request(req.method_string(), req.version(), req[http::field::connection],
                                    req[http::field::upgrade])) {
      if (!upgrade(req)) return 0;
      // The early bytes belong to the WebSocket session now.
      std::string early(in);
      std::span<char> rest(early);
      net::ws::frame_parser frames(65536);
      for (auto e = frames.next(rest); e.what != net::ws::event::kind::need_more; e = frames.next(rest)) {
        if (e.what == net::ws::event::kind::error) break;
      }
      return 0;
    }
    const net::http_request r{req.method_string(), req.target(), req[http::field::authorization]};
    check_reply(f, r, f.router->handle(r, ready));
    if (!req.keep_alive()) return 0;
  }
  return 0;
}
