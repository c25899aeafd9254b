#include "signaling/core/ids.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace switchboard::core {
namespace {

bool url_safe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

struct length_case {
  const char* name;
  std::string (*make)();
  std::size_t length;
};

class IdLength : public ::testing::TestWithParam<length_case> {};

TEST_P(IdLength, HasLengthAndAlphabet) {
  const auto& c = GetParam();
  for (int i = 0; i < 200; ++i) {
    const std::string id = c.make();
    ASSERT_EQ(id.size(), c.length);
    for (char ch : id) ASSERT_TRUE(url_safe(ch)) << "unexpected character in " << id;
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, IdLength,
                         ::testing::Values(length_case{"peer_id", &random_peer_id, 21},
                                           length_case{"token", &random_token, 43},
                                           length_case{"url_safe_0", [] { return random_url_safe(0); }, 0},
                                           length_case{"url_safe_100", [] { return random_url_safe(100); }, 100}),
                         [](const ::testing::TestParamInfo<length_case>& row) { return std::string(row.param.name); });

TEST(Ids, UniqueOverManyDraws) {
  std::set<std::string> seen;
  constexpr int draws = 20000;
  for (int i = 0; i < draws; ++i) seen.insert(random_peer_id());
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(draws));
}

// 64 symbols x ~1000 draws each: a biased mapping (e.g. modulo 62) would
// starve some symbols or double others far outside these bounds.
TEST(Ids, UsesWholeAlphabetEvenly) {
  std::map<char, int> counts;
  const std::string s = random_url_safe(64 * 1000);
  for (char c : s) ++counts[c];
  EXPECT_EQ(counts.size(), 64u);
  for (const auto& [symbol, n] : counts) {
    EXPECT_GT(n, 800) << symbol;
    EXPECT_LT(n, 1200) << symbol;
  }
}

}  // namespace
}  // namespace switchboard::core
