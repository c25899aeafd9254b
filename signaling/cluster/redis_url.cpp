#include "signaling/cluster/redis_url.hpp"

#include <algorithm>
#include <cctype>

namespace switchboard::cluster {
namespace {

// `prefix` is lower case.
bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), text.begin(),
                    [](char p, char t) { return p == std::tolower(static_cast<unsigned char>(t)); });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-decoding of the user info: a password with ':' or '@'
// in it must be written %3A / %40.
std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// Digits only, within [min, max]; nullopt otherwise (no sign, no spaces).
std::optional<long> bounded_number(std::string_view text, long min, long max) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < min || value > max) return std::nullopt;
  return value;
}

bool valid_host_name(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
  });
}

bool valid_ipv6(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
  });
}

redis_url_result fail(std::string why) { return {std::nullopt, "cluster.redis.url: " + std::move(why)}; }

// "user:password" (either part may be empty). Errors name the part, never its value.
std::optional<std::string> parse_user_info(std::string_view info, redis_url& url) {
  const auto colon = info.find(':');
  const auto user = percent_decode(info.substr(0, colon));
  if (!user) return "invalid percent-encoding in the user name";
  url.user = *user;
  if (colon == std::string_view::npos) return std::nullopt;
  const auto password = percent_decode(info.substr(colon + 1));
  if (!password) return "invalid percent-encoding in the password";
  url.password = *password;
  return std::nullopt;
}

// "host", "host:port", "[v6]" or "[v6]:port".
std::optional<std::string> parse_host_port(std::string_view hostport, redis_url& url) {
  std::string_view port_text;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) return "unterminated '[' in the IPv6 address";
    url.host = std::string(hostport.substr(1, close - 1));
    if (!valid_ipv6(url.host)) return "invalid IPv6 address";
    const auto rest = hostport.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return "unexpected text after ']'";
    if (!rest.empty()) port_text = rest.substr(1);
    else return std::nullopt;
  } else {
    const auto colon = hostport.find(':');
    url.host = std::string(hostport.substr(0, colon));
    if (url.host.empty()) return "the host is missing";
    if (!valid_host_name(url.host)) return "invalid host name";
    if (colon == std::string_view::npos) return std::nullopt;
    port_text = hostport.substr(colon + 1);
  }
  const auto port = bounded_number(port_text, 1, 65535);
  if (!port) return "invalid port (expected 1-65535)";
  url.port = static_cast<std::uint16_t>(*port);
  return std::nullopt;
}

std::optional<std::string> parse_db(std::string_view path, redis_url& url) {
  if (path.empty() || path == "/") return std::nullopt;
  const auto db = bounded_number(path.substr(1), 0, 1'000'000);
  if (!db) return "invalid database number (expected /0, /1, ...)";
  url.db = static_cast<int>(*db);
  return std::nullopt;
}

}  // namespace

redis_url_result parse_redis_url(std::string_view text) {
  if (starts_with_nocase(text, "rediss://")) {
    return fail("rediss:// (TLS) is not supported: hiredis 0.14 has no TLS; reach Redis over a private "
                "network or a local TLS tunnel and use redis://");
  }
  if (!starts_with_nocase(text, "redis://")) return fail("must start with redis://");
  auto rest = text.substr(8);
  if (rest.find_first_of("?#") != std::string_view::npos) return fail("query and fragment are not supported");
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  const auto path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  redis_url url;
  // The last '@': an unencoded '@' in a password still parses.
  const auto at = authority.rfind('@');
  std::string_view hostport = authority;
  if (at != std::string_view::npos) {
    if (auto err = parse_user_info(authority.substr(0, at), url)) return fail(*err);
    hostport = authority.substr(at + 1);
  }
  if (auto err = parse_host_port(hostport, url)) return fail(*err);
  if (auto err = parse_db(path, url)) return fail(*err);
  return {std::move(url), {}};
}

std::string redacted(const redis_url& url) {
  std::string out = "redis://";
  if (!url.user.empty() || !url.password.empty()) {
    out += url.user;
    if (!url.password.empty()) out += ":***";
    out += '@';
  }
  const bool v6 = url.host.find(':') != std::string::npos;
  out += v6 ? "[" + url.host + "]" : url.host;
  out += ':' + std::to_string(url.port);
  if (url.db != 0) out += '/' + std::to_string(url.db);
  return out;
}

}  // namespace switchboard::cluster
