#include "signaling/cluster/hiredis_reply.hpp"

#include <hiredis/hiredis.h>

namespace switchboard::cluster {

redis_reply from_hiredis(const redisReply& r) {
  using kind = redis_reply::kind;
  switch (r.type) {
    case REDIS_REPLY_STRING: return redis_reply::make_string(std::string(r.str, r.len), kind::string);
    case REDIS_REPLY_STATUS: return redis_reply::make_string(std::string(r.str, r.len), kind::status);
    case REDIS_REPLY_ERROR: return redis_reply::make_string(std::string(r.str, r.len), kind::error);
    case REDIS_REPLY_INTEGER: return redis_reply::make_integer(r.integer);
    case REDIS_REPLY_ARRAY: {
      redis_reply out;
      out.type = kind::array;
      out.elements.reserve(r.elements);
      // hiredis' reader nests at most a few levels deep, so recursion is bounded.
      for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(from_hiredis(*r.element[i]));
      return out;
    }
    default: return {};  // REDIS_REPLY_NIL
  }
}

}  // namespace switchboard::cluster
