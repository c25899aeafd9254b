#pragma once
// The HTTP side of the public port, without Beast: static files, health
// checks and the TURN REST API. The session layer turns a Beast request into
// an http_request and an http_reply back into a Beast response.

#include "turn/credentials/ice_servers.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::net {

struct http_request {
  std::string_view method;         // "GET", "HEAD", ...
  std::string_view target;         // origin-form: "/path?query"
  std::string_view authorization;  // Authorization header, may be empty
};

struct http_reply {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

struct http_router_options {
  std::filesystem::path static_dir;
  bool rest_api = false;                 // serve /api/v1/turn-credentials
  std::vector<std::string> api_keys;     // required for the REST API when non-empty
  std::size_t max_file_bytes = 16 * 1024 * 1024;
  std::function<void()> on_credential;   // called for each credential minted (metrics)
  // auth.mode jwt: verifies a bearer JWT for the REST API, returning its
  // subject, or nullopt with `reason` set. Unset: API keys only.
  std::function<std::optional<std::string>(std::string_view token, std::string& reason)> verify_jwt;
};

// The value of query parameter `name` in an origin-form target, percent-decoded;
// empty when absent or malformed.
std::string query_param(std::string_view target, std::string_view name);

// True when a browser Origin may open a WebSocket: no Origin header (not a
// browser), an empty allow-list, "*" in it, or an exact (case-insensitive) match.
bool origin_allowed(const std::vector<std::string>& allowed, std::string_view origin);

// The token of an `Authorization: Bearer <token>` header, the scheme matched
// case-insensitively (RFC 9110); empty for any other header.
std::string_view bearer_token(std::string_view authorization);

class http_router {
public:
  http_router(http_router_options opts, const turn::ice_server_source& ice);

  // ready: accepting and not draining (and dependencies healthy).
  http_reply handle(const http_request& req, bool ready) const;

private:
  http_reply serve_static(std::string_view target, bool head) const;
  http_reply turn_credentials(std::string_view target, std::string_view authorization) const;
  bool key_allowed(std::string_view query_key, std::string_view authorization) const;
  bool presented_key(std::string_view query_key, std::string_view authorization) const;

  http_router_options opts_;
  std::filesystem::path root_;  // canonical static_dir
  const turn::ice_server_source& ice_;
};

}  // namespace switchboard::net
