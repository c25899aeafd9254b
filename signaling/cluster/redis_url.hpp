#pragma once
// cluster.redis.url: redis://[user:password@]host[:port][/db]. Pure.
// The password never appears in an error message or in redacted(): config
// errors and logs are read by more people than the Redis password is meant for.
// Error messages echo no part of the URL at all, since a password with an
// unencoded '/' or ':' would otherwise leak through the "host" or "port".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::cluster {

struct redis_url {
  std::string host;           // a name, an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 6379;  // the Redis default when the URL names none
  std::string user;           // empty: AUTH <password> (the default user)
  std::string password;       // empty: no AUTH at all
  int db = 0;                 // SELECT <db> after every connect when not 0
};

struct redis_url_result {
  std::optional<redis_url> url;  // set on success
  std::string error;             // why not, otherwise; never contains the password
};

redis_url_result parse_redis_url(std::string_view text);

// The URL for logs and status pages: redis://user:***@host:port/db.
std::string redacted(const redis_url& url);

}  // namespace switchboard::cluster
