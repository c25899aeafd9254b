#include "signaling/core/peer_registry.hpp"

#include <array>
#include <functional>
#include <unordered_map>

namespace switchboard::core {
namespace {

// A registry key. Peer ids are 21 characters: kept inside the map node, a
// lookup compares them without touching another cache line, which matters
// with thousands of peers (longer ids, as tests may use, live on the heap).
class peer_key {
public:
  explicit peer_key(std::string_view id) {
    if (id.size() <= small_.size()) {
      size_ = static_cast<std::uint8_t>(id.size());
      std::copy_n(id.data(), id.size(), small_.data());
    } else {
      big_ = id;
      size_ = big;
    }
  }
  std::string_view view() const noexcept { return size_ == big ? std::string_view(big_) : std::string_view(small_.data(), size_); }

private:
  static constexpr std::uint8_t big = 0xFF;
  std::array<char, 31> small_{};
  std::uint8_t size_ = 0;
  std::string big_;
};

std::string_view view_of(std::string_view s) noexcept { return s; }
std::string_view view_of(const peer_key& k) noexcept { return k.view(); }

// Transparent: lookups by string_view build no key.
struct key_hash {
  using is_transparent = void;
  template <class K>
  std::size_t operator()(const K& k) const noexcept {
    return std::hash<std::string_view>{}(view_of(k));
  }
};

struct key_equal {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const noexcept {
    return view_of(a) == view_of(b);
  }
};

}  // namespace
}  // namespace switchboard::core

#if defined(__GLIBCXX__)
// libstdc++ keeps each node's hash only for hashes it deems slow. Without it,
// a lookup compares the key of every node in the bucket and rehashes the
// next node's key to find the bucket's end.
template <>
struct std::__is_fast_hash<switchboard::core::key_hash> : std::false_type {};
#endif

namespace switchboard::core {
namespace {

class memory_registry final : public peer_registry {
public:
  peer_record* find(std::string_view id) override {
    auto it = peers_.find(id);
    return it == peers_.end() ? nullptr : &it->second;
  }

  peer_record& add(const std::string& id) override { return peers_.try_emplace(peer_key(id)).first->second; }

  void remove(std::string_view id) override {
    auto it = peers_.find(id);
    if (it != peers_.end()) peers_.erase(it);
  }

  std::size_t size() const override { return peers_.size(); }

  void for_each(const std::function<void(const std::string& id, peer_record& rec)>& f) override {
    std::string id;
    for (auto& [key, rec] : peers_) {
      id.assign(key.view());
      f(id, rec);
    }
  }

private:
  std::unordered_map<peer_key, peer_record, key_hash, key_equal> peers_;
};

}  // namespace

std::unique_ptr<peer_registry> make_memory_registry() { return std::make_unique<memory_registry>(); }

}  // namespace switchboard::core
