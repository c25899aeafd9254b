#include "signaling/net/http_router.hpp"

#include "signaling/net/mime.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <openssl/crypto.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <system_error>

namespace switchboard::net {
namespace {

http_reply text(unsigned status, std::string body) {
  http_reply r;
  r.status = status;
  r.body = std::move(body);
  r.body += '\n';
  return r;
}

http_reply json_error(unsigned status, std::string_view message) {
  http_reply r;
  r.status = status;
  r.content_type = "application/json";
  r.body = boost::json::serialize(boost::json::object{{"error", message}});
  return r;
}

// A decoded path segment that may be looked up on disk: no traversal, no
// hidden files, no embedded separators or NULs.
bool safe_segment(std::string_view s) {
  if (s.empty() || s.front() == '.') return false;
  return s.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

bool valid_username(std::string_view u) {
  if (u.empty() || u.size() > 128) return false;
  for (char c : u) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '@';
    if (!ok) return false;
  }
  return true;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string_view bearer_token(std::string_view authorization) {
  // RFC 9110 section 11.1: the scheme is case-insensitive; one or more spaces follow it.
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return {};
  }
  if (authorization[scheme.size()] != ' ') return {};
  const auto token = authorization.find_first_not_of(' ', scheme.size());
  if (token == std::string_view::npos) return {};
  const auto end = authorization.find_last_not_of(" \t");
  return authorization.substr(token, end + 1 - token);
}

bool origin_allowed(const std::vector<std::string>& allowed, std::string_view origin) {
  if (origin.empty() || allowed.empty()) return true;
  for (const auto& a : allowed) {
    if (a == "*") return true;
    if (a.size() != origin.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < a.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(a[i])) == std::tolower(static_cast<unsigned char>(origin[i]));
    }
    if (same) return true;
  }
  return false;
}

http_router::http_router(http_router_options opts, const turn::ice_server_source& ice)
    : opts_(std::move(opts)), ice_(ice) {
  std::error_code ec;
  root_ = std::filesystem::weakly_canonical(opts_.static_dir, ec);
  if (ec) root_ = opts_.static_dir;
}

http_reply http_router::handle(const http_request& req, bool ready) const {
  const bool head = req.method == "HEAD";
  if (req.method != "GET" && !head) {
    auto r = text(405, "method not allowed");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  const auto path = req.target.substr(0, req.target.find('?'));
  if (path == "/healthz") return text(200, "ok");
  if (path == "/readyz") return ready ? text(200, "ready") : text(503, "not ready");
  if (path == "/api/v1/turn-credentials") {
    if (!opts_.rest_api) return json_error(404, "the TURN REST API is disabled (turn.rest_api)");
    return turn_credentials(req.target, req.authorization);
  }
  return serve_static(req.target, head);
}

http_reply http_router::serve_static(std::string_view target, bool head) const {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return text(400, "bad request target");
  std::filesystem::path file = root_;
  for (auto seg : parsed->segments()) {
    if (seg.empty()) continue;  // "/" or a trailing slash
    if (!safe_segment(seg)) return text(404, "not found");
    file /= seg;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) file /= "index.html";
  // Symlinks inside static_dir must not lead outside it.
  auto real = std::filesystem::canonical(file, ec);
  if (ec || !std::filesystem::is_regular_file(real, ec)) return text(404, "not found");
  const auto rel = real.lexically_relative(root_);
  if (rel.empty() || rel.begin()->string() == "..") return text(404, "not found");
  const auto size = std::filesystem::file_size(real, ec);
  if (ec || size > opts_.max_file_bytes) return text(404, "not found");

  http_reply r;
  r.content_type = std::string(mime_type(real.string()));
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (!head) {
    std::ifstream in(real, std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in && !in.eof()) return text(500, "read error");
    r.body = std::move(body).str();
  }
  return r;
}

bool http_router::key_allowed(std::string_view query_key, std::string_view authorization) const {
  if (opts_.api_keys.empty()) return true;
  return presented_key(query_key, authorization);
}

// One of turn.api_keys was presented (as ?key= or a bearer token).
bool http_router::presented_key(std::string_view query_key, std::string_view authorization) const {
  std::string_view presented = query_key;
  if (const auto token = bearer_token(authorization); !token.empty()) presented = token;
  if (presented.empty()) return false;
  bool ok = false;
  for (const auto& k : opts_.api_keys) ok |= equal_constant_time(k, presented);
  return ok;
}

http_reply http_router::turn_credentials(std::string_view target, std::string_view authorization) const {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return json_error(400, "bad request target");
  std::string service, username, key;
  for (auto p : parsed->params()) {
    if (p.key == "service") service = p.value;
    else if (p.key == "username") username = p.value;
    else if (p.key == "key") key = p.value;
  }
  if (opts_.verify_jwt) {
    // auth.mode jwt: an API key, or a bearer JWT whose subject becomes the user part.
    const auto bearer = bearer_token(authorization);
    if (!presented_key(key, authorization)) {
      if (bearer.empty()) return json_error(401, "a bearer token (JWT) or an API key is required");
      std::string reason;
      auto subject = opts_.verify_jwt(bearer, reason);
      if (!subject) return json_error(401, "token refused: " + reason);
      if (!valid_username(*subject)) {
        return json_error(400, "the token's sub cannot be a TURN user name: 1-128 characters of A-Z a-z 0-9 - _ . @");
      }
      username = std::move(*subject);  // the request's username does not override it
    }
  } else if (!key_allowed(key, authorization)) {
    return json_error(401, "a valid API key is required (turn.api_keys)");
  }
  if (service != "turn") return json_error(400, "service must be \"turn\"");
  if (!valid_username(username)) {
    return json_error(400, "username must be 1-128 characters of A-Z a-z 0-9 - _ . @");
  }
  auto cred = ice_.mint(username);
  if (opts_.on_credential) opts_.on_credential();
  boost::json::array uris;
  for (const auto& u : ice_.turn_uris()) uris.emplace_back(u);
  http_reply r;
  r.content_type = "application/json";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = boost::json::serialize(boost::json::object{{"username", cred.username},
                                                      {"password", cred.password},
                                                      {"ttl", ice_.ttl().count()},
                                                      {"uris", std::move(uris)}});
  return r;
}

std::string query_param(std::string_view target, std::string_view name) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return {};
  for (auto p : parsed->params()) {
    if (p.key == name) return std::string(p.value);
  }
  return {};
}

}  // namespace switchboard::net
