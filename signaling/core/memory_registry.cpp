#include "signaling/core/peer_registry.hpp"

#include <functional>
#include <unordered_map>

namespace switchboard::core {
namespace {

// Transparent hash so lookups by string_view don't allocate a std::string.
struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

}  // namespace
}  // namespace switchboard::core

#if defined(__GLIBCXX__)
// libstdc++ keeps each node's hash only for hashes it deems slow. Without it,
// a lookup compares the keys of every node in the bucket and rehashes the
// next node's key to find the bucket's end: cache misses on key strings
// (heap-allocated, ids are 21 characters) that dominate relaying among
// thousands of peers.
template <>
struct std::__is_fast_hash<switchboard::core::string_hash> : std::false_type {};
#endif

namespace switchboard::core {
namespace {

class memory_registry final : public peer_registry {
public:
  peer_record* find(std::string_view id) override {
    auto it = peers_.find(id);
    return it == peers_.end() ? nullptr : &it->second;
  }

  peer_record& add(const std::string& id) override { return peers_[id]; }

  void remove(std::string_view id) override {
    auto it = peers_.find(id);
    if (it != peers_.end()) peers_.erase(it);
  }

  std::size_t size() const override { return peers_.size(); }

private:
  std::unordered_map<std::string, peer_record, string_hash, std::equal_to<>> peers_;
};

}  // namespace

std::unique_ptr<peer_registry> make_memory_registry() { return std::make_unique<memory_registry>(); }

}  // namespace switchboard::core
