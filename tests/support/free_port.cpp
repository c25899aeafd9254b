#include "tests/support/free_port.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <stdexcept>

namespace switchboard::test {
namespace {

constexpr std::uint16_t lowest = 20000;
constexpr std::uint16_t highest = 29999;

bool bindable(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::uint16_t pick_free_port() {
  // Seeded per process: tests running in parallel try different ports.
  thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_int_distribution<int> in_range(lowest, highest);
  for (int tries = 0; tries < 200; ++tries) {
    const auto port = static_cast<std::uint16_t>(in_range(random));
    if (bindable(port)) return port;
  }
  throw std::runtime_error("no free TCP port on 127.0.0.1 between 20000 and 29999");
}

}  // namespace switchboard::test
