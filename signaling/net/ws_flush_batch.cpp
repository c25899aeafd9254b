#include "signaling/net/ws_flush_batch.hpp"

#include <utility>

namespace switchboard::net::ws {

thread_local flush_batch* flush_batch::current_ = nullptr;

bool flush_batch::add(std::shared_ptr<member> m) {
  if (!m || m->listed_) return false;
  m->listed_ = true;
  members_.push_back(std::move(m));
  return true;
}

void flush_batch::end() {
  if (members_.empty()) return;
  ++batches_;
  while (!members_.empty()) {
    ending_.swap(members_);
    for (auto& m : ending_) {
      // Unlisted first: what its flush causes to be queued for it lists it again.
      m->listed_ = false;
      ++flushes_;
      m->end_of_batch();
    }
    // Released here, after every flush of the round: a member's last owner
    // may be this list, and its destructor may deliver to others.
    ending_.clear();
  }
}

}  // namespace switchboard::net::ws
