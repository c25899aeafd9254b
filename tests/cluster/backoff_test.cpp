#include "signaling/cluster/backoff.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace switchboard::cluster {
namespace {

using ms = std::chrono::milliseconds;

TEST(Backoff, DoublesUpToTheMaximumWithJitterDownToHalf) {
  backoff b(ms(100), ms(5000));
  const std::vector<std::int64_t> ceilings = {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
  for (std::size_t i = 0; i < ceilings.size(); ++i) {
    SCOPED_TRACE(i);
    // The same step drawn with the smallest and the largest random value.
    backoff low = b;
    backoff high = b;
    const auto lo = low.next(0).count();
    const auto hi = high.next(static_cast<std::uint64_t>(ceilings[i] - ceilings[i] / 2)).count();
    EXPECT_EQ(lo, ceilings[i] / 2);
    EXPECT_EQ(hi, ceilings[i]);
    const auto mid = b.next(0x9e3779b97f4a7c15ull).count();
    EXPECT_GE(mid, ceilings[i] / 2);
    EXPECT_LE(mid, ceilings[i]);
  }
}

TEST(Backoff, ResetStartsAgainFromTheInitialDelay) {
  backoff b(ms(100), ms(5000));
  for (int i = 0; i < 10; ++i) b.next(0);
  EXPECT_EQ(b.next(0).count(), 2500);
  b.reset();
  EXPECT_EQ(b.next(0).count(), 50);
  EXPECT_EQ(b.next(0).count(), 100);
}

TEST(Backoff, DegenerateSettingsStayPositiveAndOrdered) {
  backoff zero(ms(0), ms(0));
  EXPECT_LE(zero.next(~0ull).count(), 1);
  backoff inverted(ms(300), ms(100));  // max below initial: max becomes initial
  EXPECT_LE(inverted.next(~0ull).count(), 300);
  EXPECT_LE(inverted.next(~0ull).count(), 300);
}

}  // namespace
}  // namespace switchboard::cluster
