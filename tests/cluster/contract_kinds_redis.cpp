#include "tests/cluster/contract_env_redis.hpp"

namespace switchboard::cluster::contract {

const std::vector<env_kind>& env_kinds() {
  static const std::vector<env_kind> kinds{{"Redis", [] { return std::make_unique<redis_env>(); }}};
  return kinds;
}

}  // namespace switchboard::cluster::contract
