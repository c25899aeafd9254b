#pragma once
// Global and per-IP bounds on open connections. Thread-safe.

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace switchboard::core {

class connection_limiter {
public:
  enum class verdict { ok, max_connections, max_per_ip };

  connection_limiter(std::size_t max_total, std::size_t max_per_ip);

  // On ok the slot is taken and must be given back with release(ip).
  verdict try_acquire(const std::string& ip);
  void release(const std::string& ip);
  std::size_t total() const;

private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> per_ip_;
  std::size_t total_ = 0;
  std::size_t max_total_;
  std::size_t max_per_ip_;
};

}  // namespace switchboard::core
