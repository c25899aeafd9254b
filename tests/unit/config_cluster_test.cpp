// The cluster.* keys: values, the Redis password's sources, the node ID and
// what the dump shows of them.
#include "signaling/config/cluster.hpp"
#include "signaling/config/loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace switchboard::config;
using testing::HasSubstr;
using testing::Not;

// A file under the test temp dir, removed when the test ends.
class temp_file {
 public:
  explicit temp_file(const std::string& text, fs::perms mode = fs::perms::owner_read | fs::perms::owner_write) {
    static std::atomic<int> counter{0};
    path_ = (fs::path(testing::TempDir()) /
             ("switchboard-config-cluster-" + std::to_string(getpid()) + "-" + std::to_string(counter++)))
                .string();
    std::ofstream(path_, std::ios::binary) << text;
    fs::permissions(path_, mode);
  }
  ~temp_file() { fs::remove(path_); }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Embedded defaults plus --set overrides, in the development profile unless a set says otherwise.
load_result load_sets(std::vector<std::string> sets, std::map<std::string, std::string> env = {},
                      bool signaling = true) {
  load_options opts;
  sets.insert(sets.begin(), "profile=development");
  opts.sets = std::move(sets);
  opts.env = std::move(env);
  opts.make_secret = [] { return std::string("generated-secret"); };
  opts.signaling = signaling;
  return load(opts);
}

// What a production setup needs besides the cluster keys.
std::vector<std::string> production_sets(std::vector<std::string> more) {
  std::vector<std::string> out{"profile=production", "auth.mode=none", "server.allowed_origins=['*']",
                               "turn.secrets=[s]"};
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

std::string problems_text(const load_result& r) { return format_problems(r.problems); }

TEST(config_cluster, defaults) {
  const auto r = load_sets({});
  ASSERT_TRUE(r.cfg) << problems_text(r);
  const auto& c = r.cfg->cluster;
  EXPECT_EQ(c, cluster_config{});
  EXPECT_FALSE(c.enabled);
  EXPECT_EQ(c.redis_url, "redis://127.0.0.1:6379");
  EXPECT_EQ(c.redis_password_file, "");
  EXPECT_EQ(c.redis_password, "");
  EXPECT_EQ(c.node_id, "");  // generated only for an enabled cluster
  EXPECT_EQ(c.key_prefix, "switchboard:");
  EXPECT_EQ(c.connect_timeout, 2000ms);
  EXPECT_EQ(c.command_timeout, 1000ms);
  EXPECT_EQ(c.node_ttl, 5000ms);
  EXPECT_EQ(c.heartbeat_interval, 1000ms);
  EXPECT_EQ(c.handoff_timeout, 2000ms);
  EXPECT_EQ(c.max_bus_queue, 65536u);
  EXPECT_EQ(c.max_pending_commands, 65536u);
}

TEST(config_cluster, every_key_is_read) {
  const auto r = load_sets({"cluster={enabled: true, redis: {url: 'redis://sb@10.0.0.7:6380/3'}, "
                            "node_id: replica-1.eu_west, key_prefix: 'sb{prod}:', connect_timeout: 750ms, "
                            "command_timeout: 250ms, node_ttl: 9s, heartbeat_interval: 3s, "
                            "handoff_timeout: 1500ms, max_bus_queue: 10, max_pending_commands: 20}"});
  ASSERT_TRUE(r.cfg) << problems_text(r);
  const auto& c = r.cfg->cluster;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.redis_url, "redis://sb@10.0.0.7:6380/3");
  EXPECT_EQ(c.node_id, "replica-1.eu_west");
  EXPECT_EQ(c.key_prefix, "sb{prod}:");
  EXPECT_EQ(c.connect_timeout, 750ms);
  EXPECT_EQ(c.command_timeout, 250ms);
  EXPECT_EQ(c.node_ttl, 9s);
  EXPECT_EQ(c.heartbeat_interval, 3s);
  EXPECT_EQ(c.handoff_timeout, 1500ms);
  EXPECT_EQ(c.max_bus_queue, 10u);
  EXPECT_EQ(c.max_pending_commands, 20u);
  const auto url = redis_url_of(c);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "10.0.0.7");
  EXPECT_EQ(url->port, 6380);
  EXPECT_EQ(url->user, "sb");
  EXPECT_EQ(url->password, "");
  EXPECT_EQ(url->db, 3);
}

struct bad_value_case {
  std::string name;
  std::string assignment;  // one --set
  std::string key;
  std::string message;
};

class config_cluster_bad_values : public testing::TestWithParam<bad_value_case> {};

TEST_P(config_cluster_bad_values, are_rejected_naming_the_key) {
  const auto& c = GetParam();
  const auto r = load_sets({c.assignment});
  EXPECT_FALSE(r.cfg);
  ASSERT_EQ(r.problems.size(), 1u) << problems_text(r);
  EXPECT_EQ(r.problems[0].key, c.key);
  EXPECT_THAT(r.problems[0].message, HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    table, config_cluster_bad_values,
    testing::Values(
        bad_value_case{"url_scheme", "cluster.redis.url=http://h:6379", "cluster.redis.url", "must start with redis://"},
        bad_value_case{"url_tls", "cluster.redis.url=rediss://h:6379", "cluster.redis.url", "not supported"},
        bad_value_case{"url_port", "cluster.redis.url=redis://h:99999", "cluster.redis.url", "invalid port"},
        bad_value_case{"url_host", "cluster.redis.url=redis://:6379", "cluster.redis.url", "host is missing"},
        bad_value_case{"url_db", "cluster.redis.url=redis://h/x", "cluster.redis.url", "database number"},
        bad_value_case{"url_list", "cluster.redis.url=[redis://h]", "cluster.redis.url", "expected a string"},
        bad_value_case{"node_id_chars", "cluster.node_id=a/b", "cluster.node_id", "1 to 64 characters"},
        bad_value_case{"node_id_long", "cluster.node_id=" + std::string(65, 'n'), "cluster.node_id",
                       "1 to 64 characters"},
        bad_value_case{"prefix_empty", "cluster.key_prefix=''", "cluster.key_prefix", "1 to 64 printable"},
        bad_value_case{"prefix_space", "cluster.key_prefix='a b:'", "cluster.key_prefix", "without spaces"},
        bad_value_case{"prefix_long", "cluster.key_prefix=" + std::string(65, 'p'), "cluster.key_prefix",
                       "1 to 64 printable"},
        bad_value_case{"timeout_zero", "cluster.command_timeout=0ms", "cluster.command_timeout", "greater than zero"},
        bad_value_case{"timeout_text", "cluster.connect_timeout=fast", "cluster.connect_timeout",
                       "expected a duration"},
        bad_value_case{"queue_zero", "cluster.max_bus_queue=0", "cluster.max_bus_queue", "between 1 and"},
        bad_value_case{"pending_zero", "cluster.max_pending_commands=0", "cluster.max_pending_commands",
                       "between 1 and"},
        bad_value_case{"heartbeat_vs_ttl", "cluster.heartbeat_interval=2s", "cluster.heartbeat_interval",
                       "at most a third of cluster.node_ttl (5s), got 2s"},
        bad_value_case{"unknown", "cluster.redis.urll=redis://h", "cluster.redis.urll",
                       "did you mean cluster.redis.url?"}),
    [](const testing::TestParamInfo<bad_value_case>& p) { return p.param.name; });

TEST(config_cluster, heartbeat_may_be_exactly_a_third_of_the_ttl) {
  const auto r = load_sets({"cluster.node_ttl=3s", "cluster.heartbeat_interval=1s"});
  EXPECT_TRUE(r.cfg) << problems_text(r);
  const auto over = load_sets({"cluster.node_ttl=2999ms", "cluster.heartbeat_interval=1s"});
  EXPECT_FALSE(over.cfg);
}

TEST(config_cluster, url_errors_never_show_the_password) {
  // A '/' in an unencoded password splits it into a bad "database number".
  for (const std::string url : {"redis://u:hunter2/x@h:6379", "redis://u:hunter2@h:port", "redis://u:hu%zznter2@h",
                                "redis://u:hunter2@[::1:6379"}) {
    const auto r = load_sets({"cluster.redis.url=" + url});
    ASSERT_FALSE(r.cfg) << url;
    const auto text = problems_text(r);
    EXPECT_THAT(text, HasSubstr("cluster.redis.url: ")) << text;
    EXPECT_THAT(text, Not(HasSubstr("hunter2"))) << text;
    EXPECT_THAT(text, Not(HasSubstr("hu%zz"))) << text;
  }
}

// ---- the password -----------------------------------------------------------

TEST(config_cluster_password, file_over_env_over_url) {
  const temp_file file("from-file\n");
  const std::map<std::string, std::string> env{{redis_password_env, "from-env"}};
  const std::vector<std::string> url{"cluster.enabled=true", "cluster.redis.url=redis://:from-url@h:6379"};
  auto with_file = url;
  with_file.push_back("cluster.redis.password_file=" + file.path());

  const auto from_file = load_sets(with_file, env);
  ASSERT_TRUE(from_file.cfg) << problems_text(from_file);
  EXPECT_EQ(from_file.cfg->cluster.redis_password, "from-file");
  EXPECT_EQ(redis_url_of(from_file.cfg->cluster)->password, "from-file");

  const auto from_env = load_sets(url, env);
  ASSERT_TRUE(from_env.cfg) << problems_text(from_env);
  EXPECT_EQ(from_env.cfg->cluster.redis_password, "from-env");
  EXPECT_EQ(redis_url_of(from_env.cfg->cluster)->password, "from-env");

  const auto from_url = load_sets(url);
  ASSERT_TRUE(from_url.cfg) << problems_text(from_url);
  EXPECT_EQ(from_url.cfg->cluster.redis_password, "from-url");

  // An exported but empty variable is unset.
  const auto empty_env = load_sets(url, {{redis_password_env, ""}});
  ASSERT_TRUE(empty_env.cfg) << problems_text(empty_env);
  EXPECT_EQ(empty_env.cfg->cluster.redis_password, "from-url");
}

TEST(config_cluster_password, file_keeps_all_but_the_trailing_newline) {
  const temp_file file("  pass word\r\n\n");
  const auto r = load_sets({"cluster.enabled=true", "cluster.redis.password_file=" + file.path()});
  ASSERT_TRUE(r.cfg) << problems_text(r);
  EXPECT_EQ(r.cfg->cluster.redis_password, "  pass word");
}

struct password_file_case {
  std::string name;
  std::string profile;
  std::string contents;  // "-" = the file does not exist
  fs::perms mode;
  std::string message;
};

class config_cluster_password_files : public testing::TestWithParam<password_file_case> {};

TEST_P(config_cluster_password_files, problems_name_the_key_not_the_password) {
  const auto& c = GetParam();
  const temp_file file(c.contents, c.mode);
  const auto path = c.contents == "-" ? file.path() + ".missing" : file.path();
  const auto r = load_sets(production_sets({"profile=" + c.profile, "cluster.enabled=true",
                                            "cluster.redis.password_file=" + path}));
  EXPECT_FALSE(r.cfg);
  ASSERT_EQ(r.problems.size(), 1u) << problems_text(r);
  EXPECT_EQ(r.problems[0].key, "cluster.redis.password_file");
  EXPECT_EQ(r.problems[0].source, "--set cluster.redis.password_file");
  EXPECT_THAT(r.problems[0].message, HasSubstr(c.message));
  EXPECT_THAT(problems_text(r), Not(HasSubstr("s3cret")));
}

TEST(config_cluster_password, a_directory_is_not_a_password_file) {
  const auto r = load_sets({"cluster.enabled=true", "cluster.redis.password_file=" + testing::TempDir()});
  ASSERT_EQ(r.problems.size(), 1u) << problems_text(r);
  EXPECT_EQ(r.problems[0].key, "cluster.redis.password_file");
  EXPECT_THAT(r.problems[0].message, HasSubstr("not a regular file"));
}

constexpr auto owner_only = fs::perms::owner_read | fs::perms::owner_write;

INSTANTIATE_TEST_SUITE_P(
    table, config_cluster_password_files,
    testing::Values(
        password_file_case{"missing", "development", "-", owner_only, "No such file"},
        password_file_case{"empty", "development", "\n", owner_only, "is empty"},
        password_file_case{"world_readable", "production", "s3cret\n", owner_only | fs::perms::others_read,
                           "accessible by group or others (mode 0604)"}),
    [](const testing::TestParamInfo<password_file_case>& p) { return p.param.name; });

TEST(config_cluster_password, not_read_when_the_cluster_is_off_or_for_the_turn_role) {
  const auto off = load_sets({"cluster.redis.password_file=/nonexistent/redis-password"});
  ASSERT_TRUE(off.cfg) << problems_text(off);
  EXPECT_EQ(off.cfg->cluster.redis_password, "");
  const auto turn_role =
      load_sets({"cluster.enabled=true", "cluster.redis.password_file=/nonexistent/redis-password"}, {}, false);
  ASSERT_TRUE(turn_role.cfg) << problems_text(turn_role);
}

TEST(config_cluster_password, production_warns_without_one) {
  const auto warning = HasSubstr("no Redis password");
  const auto none = load_sets(production_sets({"cluster.enabled=true"}));
  ASSERT_TRUE(none.cfg) << problems_text(none);
  EXPECT_THAT(none.notes, testing::Contains(warning));
  const auto with_url = load_sets(production_sets({"cluster.enabled=true", "cluster.redis.url=redis://:p@h"}));
  ASSERT_TRUE(with_url.cfg) << problems_text(with_url);
  EXPECT_THAT(with_url.notes, Not(testing::Contains(warning)));
  const auto with_env = load_sets(production_sets({"cluster.enabled=true"}), {{redis_password_env, "p"}});
  ASSERT_TRUE(with_env.cfg) << problems_text(with_env);
  EXPECT_THAT(with_env.notes, Not(testing::Contains(warning)));
  const auto off = load_sets(production_sets({}));
  EXPECT_THAT(off.notes, Not(testing::Contains(warning)));
  const auto development = load_sets({"cluster.enabled=true"});
  EXPECT_THAT(development.notes, Not(testing::Contains(warning)));
}

// ---- node ID ------------------------------------------------------------------

TEST(config_cluster_node_id, generated_from_the_host_name_when_enabled) {
  const auto a = load_sets({"cluster.enabled=true"});
  const auto b = load_sets({"cluster.enabled=true"});
  ASSERT_TRUE(a.cfg && b.cfg) << problems_text(a) << problems_text(b);
  const auto& id = a.cfg->cluster.node_id;
  EXPECT_THAT(id, testing::MatchesRegex("[A-Za-z0-9._-]+-[A-Za-z0-9]{6}"));
  EXPECT_TRUE(valid_node_id(id)) << id;
  EXPECT_NE(id, b.cfg->cluster.node_id);
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  EXPECT_EQ(id.substr(0, id.size() - 7), make_node_id(host, "").substr(0, id.size() - 7));
  // A configured one is kept.
  const auto set = load_sets({"cluster.enabled=true", "cluster.node_id=replica-2"});
  ASSERT_TRUE(set.cfg) << problems_text(set);
  EXPECT_EQ(set.cfg->cluster.node_id, "replica-2");
}

TEST(config_cluster_node_id, make_node_id_sanitizes_and_fits) {
  EXPECT_EQ(make_node_id("signaling-0", "aB3_-x"), "signaling-0-aB3_-x");
  EXPECT_EQ(make_node_id("h\xc3\xa9 st:1", "abcdef"), "h---st-1-abcdef");
  EXPECT_EQ(make_node_id("", "abcdef"), "switchboard-abcdef");
  const auto long_id = make_node_id(std::string(100, 'h'), "abcdef");
  EXPECT_EQ(long_id, std::string(57, 'h') + "-abcdef");
  EXPECT_EQ(long_id.size(), max_node_id_length);
  EXPECT_TRUE(valid_node_id(long_id));
  EXPECT_GT(default_node_id().size(), 7u);
  EXPECT_TRUE(valid_node_id(default_node_id()));
}

TEST(config_cluster_node_id, validity) {
  EXPECT_TRUE(valid_node_id("a"));
  EXPECT_TRUE(valid_node_id("Node_1.eu-west"));
  EXPECT_TRUE(valid_node_id(std::string(64, 'x')));
  EXPECT_FALSE(valid_node_id(""));
  EXPECT_FALSE(valid_node_id(std::string(65, 'x')));
  EXPECT_FALSE(valid_node_id("a b"));
  EXPECT_FALSE(valid_node_id("a:b"));
  EXPECT_FALSE(valid_node_id("caf\xc3\xa9"));
}

// ---- dump --------------------------------------------------------------------

TEST(config_cluster_dump, masks_the_url_password_and_never_shows_the_resolved_one) {
  const temp_file file("file-pass-123\n");
  const auto r = load_sets({"cluster.enabled=true", "cluster.redis.url=redis://admin:url-pass-456@redis.internal:6380/2",
                            "cluster.redis.password_file=" + file.path(), "cluster.node_id=n1"},
                           {{redis_password_env, "env-pass-789"}});
  ASSERT_TRUE(r.cfg) << problems_text(r);
  EXPECT_EQ(r.cfg->cluster.redis_password, "file-pass-123");
  const auto dump = dump_masked(*r.cfg);
  for (const auto* secret : {"file-pass-123", "url-pass-456", "env-pass-789"}) {
    EXPECT_THAT(dump, Not(HasSubstr(secret))) << dump;
  }
  EXPECT_THAT(dump, HasSubstr("redis://admin:***@redis.internal:6380/2")) << dump;
  EXPECT_THAT(dump, HasSubstr("password_file: " + file.path())) << dump;
  EXPECT_THAT(dump, HasSubstr("node_id: n1")) << dump;
  for (const auto& [key, value] : masked_values(*r.cfg)) {
    EXPECT_THAT(value, Not(HasSubstr("pass-"))) << key;
  }
  EXPECT_THAT(known_keys(), Not(testing::Contains(HasSubstr("redis_password"))));
}

TEST(config_cluster_dump, url_masking_keeps_the_rest_as_written) {
  config c;
  c.cluster.redis_url = "REDIS://:p%40ss@[::1]:7000";
  EXPECT_THAT(dump_masked(c), HasSubstr("REDIS://:***@[::1]:7000"));
  c.cluster.redis_url = "redis://user@h";  // no password: as written
  EXPECT_THAT(dump_masked(c), HasSubstr("url: redis://user@h\n"));
  c.cluster.redis_url = "redis://u:p@ss@h";  // the last '@' ends the user info
  EXPECT_THAT(dump_masked(c), HasSubstr("redis://u:***@h"));
  EXPECT_THAT(dump_masked(c), Not(HasSubstr("p@ss")));
  c.cluster.redis_url = "not a url u:p@h";  // never loaded, but dumped all the same
  EXPECT_THAT(dump_masked(c), HasSubstr("url: \"***\""));
}

TEST(config_cluster_dump, reads_back_as_the_same_cluster_config) {
  const auto r = load_sets({"cluster={enabled: true, redis: {url: 'redis://sb@h:6380/1'}, node_id: n-1, "
                            "key_prefix: 'x:', node_ttl: 4500ms, heartbeat_interval: 1500ms, handoff_timeout: 10s}"});
  ASSERT_TRUE(r.cfg) << problems_text(r);
  const temp_file dumped(dump_masked(*r.cfg));
  load_options opts;
  opts.path = dumped.path();
  const auto again = load(opts);
  ASSERT_TRUE(again.cfg) << problems_text(again) << dump_masked(*r.cfg);
  EXPECT_EQ(again.cfg->cluster, r.cfg->cluster) << dump_masked(*r.cfg);
}

}  // namespace
