#include "bench/loadgen/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace switchboard::bench {

std::size_t histogram::bucket_of(std::uint64_t value) noexcept {
  if (value < linear_) return static_cast<std::size_t>(value);
  // Keep the top 6 bits: a mantissa in [32, 64) and the shift that was dropped.
  const auto shift = static_cast<std::size_t>(std::bit_width(value)) - 6;
  const auto mantissa = static_cast<std::size_t>(value >> shift);
  return linear_ + (shift - 1) * sub_buckets_ + (mantissa - sub_buckets_);
}

std::uint64_t histogram::lower_bound_of(std::size_t bucket) noexcept {
  if (bucket < linear_) return bucket;
  const std::size_t shift = (bucket - linear_) / sub_buckets_ + 1;
  const std::uint64_t mantissa = (bucket - linear_) % sub_buckets_ + sub_buckets_;
  return mantissa << shift;
}

void histogram::record(std::uint64_t value) noexcept {
  ++counts_[bucket_of(value)];
  ++count_;
  max_ = std::max(max_, value);
}

void histogram::merge(const histogram& other) noexcept {
  for (std::size_t i = 0; i < size_; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

std::uint64_t histogram::quantile(double q) const noexcept {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < size_; ++i) {
    seen += counts_[i];
    if (seen < rank) continue;
    if (i < linear_) return i;
    const std::uint64_t low = lower_bound_of(i);
    const std::uint64_t high = lower_bound_of(i + 1);
    return std::min(max_, low + (high - low) / 2);
  }
  return max_;
}

}  // namespace switchboard::bench
