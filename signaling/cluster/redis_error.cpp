#include "signaling/cluster/redis_error.hpp"

#include <string>

namespace switchboard::cluster {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "redis"; }

  std::string message(int value) const override {
    switch (static_cast<redis_errc>(value)) {
      case redis_errc::timeout: return "Redis command timed out";
      case redis_errc::disconnected: return "Redis connection lost before the reply (the command may have run)";
      case redis_errc::overflow: return "Redis command queue full";
      case redis_errc::shut_down: return "Redis connection closed";
      case redis_errc::unsupported_command: return "command not allowed on this Redis connection";
    }
    return "unknown Redis error";
  }
};

}  // namespace

const std::error_category& redis_category() noexcept {
  static const category instance;
  return instance;
}

std::error_code make_error_code(redis_errc e) noexcept { return {static_cast<int>(e), redis_category()}; }

}  // namespace switchboard::cluster
