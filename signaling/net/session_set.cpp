#include "signaling/net/context.hpp"

#include <vector>

namespace switchboard::net {

void session_set::add(core::participant* key, std::weak_ptr<core::participant> session) {
  std::lock_guard lock(mutex_);
  sessions_.emplace(key, std::move(session));
}

void session_set::remove(core::participant* key) {
  std::lock_guard lock(mutex_);
  sessions_.erase(key);
}

std::size_t session_set::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void session_set::close_all(core::close_code code) {
  std::vector<std::weak_ptr<core::participant>> copy;
  {
    std::lock_guard lock(mutex_);
    copy.reserve(sessions_.size());
    for (const auto& [key, weak] : sessions_) copy.push_back(weak);
  }
  // close() only posts to each session's strand: cheap, and safe outside the lock.
  for (auto& weak : copy) {
    if (auto s = weak.lock()) s->close(code);
  }
}

}  // namespace switchboard::net
