#include "signaling/cluster/redis_reply.hpp"

#include <cstdio>

namespace switchboard::cluster {
namespace {

constexpr std::size_t describe_limit = 200;

std::string printable(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < describe_limit; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > describe_limit) out += "...";
  return out;
}

}  // namespace

redis_reply redis_reply::make_integer(long long v) {
  redis_reply r;
  r.type = kind::integer;
  r.integer = v;
  return r;
}

redis_reply redis_reply::make_string(std::string s, kind k) {
  redis_reply r;
  r.type = k;
  r.text = std::move(s);
  return r;
}

std::string describe(const redis_reply& reply) {
  switch (reply.type) {
    case redis_reply::kind::nil: return "(nil)";
    case redis_reply::kind::integer: return "(integer) " + std::to_string(reply.integer);
    case redis_reply::kind::string: return "\"" + printable(reply.text) + "\"";
    case redis_reply::kind::status: return "(status) " + printable(reply.text);
    case redis_reply::kind::error: return "(error) " + printable(reply.text);
    case redis_reply::kind::array: break;
  }
  std::string out = "[";
  for (std::size_t i = 0; i < reply.elements.size(); ++i) {
    if (i > 0) out += ", ";
    out += describe(reply.elements[i]);
  }
  return out + "]";
}

}  // namespace switchboard::cluster
