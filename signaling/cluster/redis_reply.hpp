#pragma once
// A Redis (RESP2) reply as a plain value, so nothing outside signaling/cluster
// ever sees a hiredis type. Copied out of hiredis' reply before the callback
// returns: hiredis frees its own reply right after.

#include <cstdint>
#include <string>
#include <vector>

namespace switchboard::cluster {

struct redis_reply {
  enum class kind : std::uint8_t { nil, integer, string, status, error, array };

  kind type = kind::nil;
  long long integer = 0;             // kind::integer
  std::string text;                  // kind::string (binary safe), status, error
  std::vector<redis_reply> elements; // kind::array

  bool is_nil() const noexcept { return type == kind::nil; }
  bool is_error() const noexcept { return type == kind::error; }
  // A status or string reply equal to `s` ("OK", "PONG").
  bool is(const char* s) const { return (type == kind::status || type == kind::string) && text == s; }

  static redis_reply make_integer(long long v);
  static redis_reply make_string(std::string s, kind k = kind::string);
};

// For test failures and logs: (nil), (integer) 3, "text", (status) OK,
// (error) ERR ..., [a, b]; non-printable bytes escaped, long strings cut.
std::string describe(const redis_reply& reply);

}  // namespace switchboard::cluster
