#pragma once
// TCP ports for servers the tests start on a port of their choosing: those
// that cannot pick one themselves (redis-server, HAProxy) and those that must
// get the same port back after a restart (cluster replicas behind HAProxy).

#include <cstdint>

namespace switchboard::test {

// A TCP port on 127.0.0.1 that nothing is bound to now, checked by binding it.
// Picked at random below the kernel's ephemeral range (20000-29999, under
// ip_local_port_range's 32768): outgoing connections never take it as their
// source port, so a server stopped and started again finds it free. Someone
// else may still bind it before the caller does: callers retry with another.
// Throws std::runtime_error when no free port is found.
std::uint16_t pick_free_port();

}  // namespace switchboard::test
