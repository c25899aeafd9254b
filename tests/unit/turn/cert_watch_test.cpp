#include "turn/supervisor/cert_watch.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace switchboard::turn {
namespace {

const file_stat cert_v1{true, 1'000, 1200, 11};
const file_stat key_v1{true, 1'000, 240, 12};
const file_stat cert_v2{true, 2'000, 1300, 21};  // renewed: renamed over the old file
const file_stat key_v2{true, 2'000, 241, 22};
const file_stat cert_touched{true, 3'000, 1200, 11};  // same inode and size, new mtime
const file_stat missing{};

struct watch_case {
  const char* name;
  std::vector<std::vector<file_stat>> polls;  // {cert, key} per poll; baseline {cert_v1, key_v1}
  std::vector<bool> expected;
};

void PrintTo(const watch_case& c, std::ostream* os) { *os << c.name; }

const watch_case watch_cases[] = {
    {"unchanged", {{cert_v1, key_v1}, {cert_v1, key_v1}}, {false, false}},
    {"renewal_reported_once_settled",
     {{cert_v2, key_v2}, {cert_v2, key_v2}, {cert_v2, key_v2}},
     {false, true, false}},
    {"cert_then_key_waits_for_the_pair",
     {{cert_v2, key_v1}, {cert_v2, key_v2}, {cert_v2, key_v2}},
     {false, false, true}},
    {"mtime_alone_counts", {{cert_touched, key_v1}, {cert_touched, key_v1}}, {false, true}},
    {"missing_file_is_not_settled",
     {{missing, key_v1}, {missing, key_v1}, {cert_v2, key_v1}, {cert_v2, key_v1}},
     {false, false, false, true}},
    {"changed_back_before_settling", {{cert_v2, key_v1}, {cert_v1, key_v1}, {cert_v1, key_v1}}, {false, false, false}},
    {"two_renewals", {{cert_v2, key_v2}, {cert_v2, key_v2}, {cert_v1, key_v1}, {cert_v1, key_v1}}, {false, true, false, true}},
    {"wrong_length_ignored", {{cert_v2}, {cert_v2}}, {false, false}},
};

class CertWatch : public ::testing::TestWithParam<watch_case> {};

TEST_P(CertWatch, ReportsSettledChanges) {
  const auto& c = GetParam();
  ASSERT_EQ(c.polls.size(), c.expected.size());
  std::map<std::string, file_stat> files{{"cert.pem", cert_v1}, {"key.pem", key_v1}};
  cert_watch watch({"cert.pem", "key.pem"}, [&](const std::string& p) { return files.at(p); });
  for (std::size_t i = 0; i < c.polls.size(); ++i) {
    EXPECT_EQ(watch.changed(c.polls[i]), c.expected[i]) << "poll " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Sequences, CertWatch, ::testing::ValuesIn(watch_cases),
                         [](const auto& row) { return std::string(row.param.name); });

TEST(CertWatchPoll, ReadsThroughTheInjectedFunction) {
  std::map<std::string, file_stat> files{{"cert.pem", cert_v1}, {"key.pem", key_v1}};
  std::vector<std::string> read;
  cert_watch watch({"cert.pem", "key.pem"}, [&](const std::string& p) {
    read.push_back(p);
    return files.at(p);
  });
  EXPECT_EQ(read, (std::vector<std::string>{"cert.pem", "key.pem"}));  // the baseline
  EXPECT_FALSE(watch.poll());
  files["cert.pem"] = cert_v2;
  files["key.pem"] = key_v2;
  EXPECT_FALSE(watch.poll());
  EXPECT_TRUE(watch.poll());
  EXPECT_FALSE(watch.poll());
  EXPECT_EQ(read.size(), 10u);
}

// stat_file against the real file system: a rewrite and a rename both show.
TEST(StatFile, SeesRewriteAndRename) {
  char tmpl[] = "/tmp/cert_watch_test.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string path = dir + "/cert.pem";
  const std::string other = dir + "/cert.pem.new";

  EXPECT_FALSE(stat_file(path).exists);
  std::ofstream(path) << "one";
  const auto first = stat_file(path);
  EXPECT_TRUE(first.exists);
  EXPECT_EQ(first.size, 3u);

  std::ofstream(path) << "three";
  const auto rewritten = stat_file(path);
  EXPECT_EQ(rewritten.size, 5u);
  EXPECT_EQ(rewritten.inode, first.inode);

  std::ofstream(other) << "renamed";
  ASSERT_EQ(std::rename(other.c_str(), path.c_str()), 0);
  const auto renamed = stat_file(path);
  EXPECT_NE(renamed.inode, first.inode);
  EXPECT_NE(renamed, rewritten);

  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace switchboard::turn
