#pragma once
// Why a Redis command got no reply. An error *reply* from Redis (WRONGTYPE,
// NOAUTH, ...) is not one of these: it arrives as a redis_reply of kind error.

#include <system_error>

namespace switchboard::cluster {

enum class redis_errc {
  timeout = 1,          // no reply within command_timeout
  disconnected,         // the connection was lost while the command was in flight: it may or may not have run
  overflow,             // the bounded queue (commands or bytes) was full
  shut_down,            // the connection was closed or destroyed
  unsupported_command,  // (P)SUBSCRIBE & co. on a command connection, or an empty argv
};

const std::error_category& redis_category() noexcept;
std::error_code make_error_code(redis_errc e) noexcept;

}  // namespace switchboard::cluster

template <>
struct std::is_error_code_enum<switchboard::cluster::redis_errc> : std::true_type {};
