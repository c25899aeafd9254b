#include "signaling/net/context.hpp"

#include <vector>

namespace switchboard::net {

void session_set::add(core::participant* key, std::weak_ptr<core::participant> session) {
  std::lock_guard lock(mutex_);
  sessions_.emplace(key, entry{std::move(session), false});
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
    for (auto& [key, e] : sessions_) {
      copy.push_back(e.session);
      e.asked = true;
    }
  }
  // close() only posts to each session's strand: cheap, and safe outside the lock.
  for (auto& weak : copy) {
    if (auto s = weak.lock()) s->close(code);
  }
}

std::size_t session_set::close_some(std::size_t n, core::close_code code) {
  std::vector<std::weak_ptr<core::participant>> chosen;
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, e] : sessions_) {
      if (chosen.size() >= n) break;
      if (e.asked) continue;
      e.asked = true;
      chosen.push_back(e.session);
    }
  }
  for (auto& weak : chosen) {
    if (auto s = weak.lock()) s->close(code);
  }
  return chosen.size();
}

}  // namespace switchboard::net
