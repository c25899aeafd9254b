#pragma once
// A log-linear histogram of non-negative integer samples (nanoseconds here):
// exact below 64, then 32 buckets per power of two (about 3 % resolution).
// Fixed size, so recording millions of latencies costs no memory growth.

#include <array>
#include <cstddef>
#include <cstdint>

namespace switchboard::bench {

class histogram {
 public:
  void record(std::uint64_t value) noexcept;
  void merge(const histogram& other) noexcept;
  // The value at quantile q in [0, 1] (the middle of its bucket); 0 when empty.
  std::uint64_t quantile(double q) const noexcept;
  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t max() const noexcept { return max_; }

  static std::size_t bucket_of(std::uint64_t value) noexcept;
  static std::uint64_t lower_bound_of(std::size_t bucket) noexcept;

 private:
  static constexpr std::size_t linear_ = 64;
  static constexpr std::size_t sub_buckets_ = 32;
  static constexpr std::size_t size_ = linear_ + 58 * sub_buckets_;

  std::array<std::uint64_t, size_> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace switchboard::bench
