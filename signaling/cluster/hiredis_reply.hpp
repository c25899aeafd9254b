#pragma once
// hiredis' reply tree → redis_reply. Private to signaling/cluster.

#include "signaling/cluster/redis_reply.hpp"

struct redisReply;  // hiredis; the header stays in the .cpp

namespace switchboard::cluster {

redis_reply from_hiredis(const redisReply& reply);

}  // namespace switchboard::cluster
