#include "signaling/config/loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace switchboard::config {
// Readable failure output instead of gtest's byte dump.
void PrintTo(const problem& p, std::ostream* os) { *os << format_problems({p}); }
}  // namespace switchboard::config

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace switchboard::config;
using testing::HasSubstr;

// A file under the test temp dir, removed when the test ends.
class temp_file {
 public:
  explicit temp_file(const std::string& text, fs::perms mode = fs::perms::owner_read |
                                                               fs::perms::owner_write) {
    static std::atomic<int> counter{0};
    path_ = (fs::path(testing::TempDir()) / ("switchboard-config-" + std::to_string(getpid()) +
                                             "-" + std::to_string(counter++) + ".yaml"))
                .string();
    std::ofstream(path_) << text;
    fs::permissions(path_, mode);
  }
  ~temp_file() { fs::remove(path_); }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

load_options dev_options() {
  load_options opts;
  opts.make_secret = [] { return std::string("generated-secret"); };
  return opts;
}

load_result load_text(const temp_file& file, std::vector<std::string> sets = {},
                      std::map<std::string, std::string> env = {}) {
  auto opts = dev_options();
  opts.path = file.path();
  opts.sets = std::move(sets);
  opts.env = std::move(env);
  return load(opts);
}

std::string read_all(const std::string& path) {
  std::ostringstream out;
  out << std::ifstream(path).rdbuf();
  return out.str();
}

// ---- values -------------------------------------------------------------

struct duration_case {
  std::string text;
  std::optional<std::chrono::milliseconds> expected;
};

class durations : public testing::TestWithParam<duration_case> {};

TEST_P(durations, parse) { EXPECT_EQ(parse_duration(GetParam().text), GetParam().expected); }

INSTANTIATE_TEST_SUITE_P(
    table, durations,
    testing::Values(duration_case{"30s", 30s}, duration_case{"10m", 10min},
                    duration_case{"1h", 1h}, duration_case{"500ms", 500ms},
                    duration_case{"2d", 48h}, duration_case{"45", 45s}, duration_case{"0", 0ms},
                    duration_case{"0ms", 0ms}, duration_case{"", std::nullopt},
                    duration_case{"s", std::nullopt}, duration_case{"ms", std::nullopt},
                    duration_case{"-1s", std::nullopt}, duration_case{"1.5h", std::nullopt},
                    duration_case{"10 s", std::nullopt}, duration_case{" 10s", std::nullopt},
                    duration_case{"1w", std::nullopt}, duration_case{"1h30m", std::nullopt},
                    duration_case{"99999999999999999999", std::nullopt},
                    duration_case{"9999999999999999d", std::nullopt}));

TEST(format_duration, picks_the_largest_exact_unit) {
  EXPECT_EQ(format_duration(0ms), "0s");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
  EXPECT_EQ(format_duration(30s), "30s");
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(10min), "10m");
  EXPECT_EQ(format_duration(1h), "1h");
  EXPECT_EQ(format_duration(48h), "2d");
}

struct endpoint_case {
  std::string text;
  std::optional<endpoint> expected;
};

class endpoints : public testing::TestWithParam<endpoint_case> {};

TEST_P(endpoints, parse) { EXPECT_EQ(parse_endpoint(GetParam().text), GetParam().expected); }

INSTANTIATE_TEST_SUITE_P(
    table, endpoints,
    testing::Values(endpoint_case{"0.0.0.0:8080", endpoint{"0.0.0.0", 8080}},
                    endpoint_case{"[::1]:0", endpoint{"::1", 0}},
                    endpoint_case{"localhost:65535", endpoint{"localhost", 65535}},
                    endpoint_case{"signal.example.com:443", endpoint{"signal.example.com", 443}},
                    endpoint_case{"abc", std::nullopt}, endpoint_case{"::1:80", std::nullopt},
                    endpoint_case{"1.2.3.4:65536", std::nullopt},
                    endpoint_case{"1.2.3.4:-1", std::nullopt},
                    endpoint_case{"[::1]80", std::nullopt}, endpoint_case{"[zz]:80", std::nullopt},
                    endpoint_case{":80", std::nullopt}, endpoint_case{"host:", std::nullopt},
                    endpoint_case{"-bad:80", std::nullopt},
                    endpoint_case{"a b:80", std::nullopt}));

TEST(format_endpoint, brackets_ipv6_only) {
  EXPECT_EQ(format_endpoint({"::1", 80}), "[::1]:80");
  EXPECT_EQ(format_endpoint({"127.0.0.1", 9464}), "127.0.0.1:9464");
}

// ---- invalid files --------------------------------------------------------

struct invalid_case {
  std::string name;
  std::string yaml;  // loaded under "profile: development" (line 1)
  std::string key;
  int line;  // 1-based line in the file, counting the profile line
  std::string message;
};

class invalid_files : public testing::TestWithParam<invalid_case> {};

TEST_P(invalid_files, report_key_line_and_message) {
  const auto& c = GetParam();
  const temp_file file("profile: development\n" + c.yaml);
  const auto result = load_text(file);
  EXPECT_FALSE(result.cfg);
  const auto where = file.path() + ":" + std::to_string(c.line);
  EXPECT_THAT(result.problems,
              testing::Contains(testing::AllOf(
                  testing::Field(&problem::key, c.key), testing::Field(&problem::source, where),
                  testing::Field(&problem::message, HasSubstr(c.message)))))
      << format_problems(result.problems);
}

std::string invalid_name(const testing::TestParamInfo<invalid_case>& p) { return p.param.name; }

INSTANTIATE_TEST_SUITE_P(
    table, invalid_files,
    testing::Values(
        invalid_case{"unknown_top", "sever:\n  listen: 1.2.3.4:1\n", "sever", 2,
                     "unknown key; did you mean server?"},
        invalid_case{"unknown_deep", "server:\n  tls:\n    certt: a.pem\n", "server.tls.certt", 4,
                     "unknown key; did you mean server.tls.cert?"},
        invalid_case{"dotted_name", "server.listen: 1.2.3.4:1\n", "server.listen", 2,
                     "unknown key"},
        invalid_case{"duplicate", "log:\n  level: info\n  level: debug\n", "log.level", 4,
                     "duplicate key"},
        invalid_case{"wrong_type", "server:\n  threads: many\n", "server.threads", 3,
                     "expected a whole number, got \"many\""},
        invalid_case{"list_for_scalar", "server:\n  max_connections: [1]\n",
                     "server.max_connections", 3, "got a list"},
        invalid_case{"not_a_map", "server: 5\n", "server", 2, "expected a map"},
        invalid_case{"bool", "metrics:\n  enabled: maybe\n", "metrics.enabled", 3,
                     "expected true or false"},
        invalid_case{"bad_duration", "peers:\n  resume_grace: 10 minutes\n",
                     "peers.resume_grace", 3, "expected a duration"},
        invalid_case{"sub_second", "server:\n  idle_timeout: 1500ms\n", "server.idle_timeout", 3,
                     "whole number of seconds"},
        invalid_case{"zero_timeout", "server:\n  handshake_timeout: 0s\n",
                     "server.handshake_timeout", 3, "greater than zero"},
        invalid_case{"bad_listen", "server:\n  listen: abc\n", "server.listen", 3,
                     "expected host:port, got \"abc\""},
        // In block context the unquoted address is a syntax error rather than a list.
        invalid_case{"unquoted_ipv6", "server:\n  listen: [::1]:8080\n", "", 3,
                     "end of map not found"},
        invalid_case{"bad_uri", "turn:\n  uris:\n    - stun:a:3478\n    - http://a\n",
                     "turn.uris[1]", 5, "expected a stun:, turn: or turns: URI"},
        invalid_case{"tls_half", "server:\n  tls:\n    key: k.pem\n", "server.tls", 4,
                     "only server.tls.key is set"},
        invalid_case{"message_too_small", "server:\n  max_message_bytes: 100\n",
                     "server.max_message_bytes", 3, "between 1024 and 16777216"},
        invalid_case{"threads_too_many", "server:\n  threads: 65\n", "server.threads", 3,
                     "between 1 and 64, got 65"},
        invalid_case{"zero_connections", "server:\n  max_connections: 0\n",
                     "server.max_connections", 3, "between 1 and"},
        invalid_case{"ws_path", "server:\n  ws_path: ws\n", "server.ws_path", 3,
                     "must start with \"/\""},
        invalid_case{"rate_zero", "server:\n  rate_limit:\n    burst: 0\n",
                     "server.rate_limit.burst", 4, "positive number"},
        invalid_case{"origin_path", "server:\n  allowed_origins: [\"https://a.com/\"]\n",
                     "server.allowed_origins[0]", 3, "no path"},
        invalid_case{"text_not_utf8", "server:\n  static_dir: \"web\x89x\"\n", "server.static_dir", 3, "valid UTF-8"},
        invalid_case{"origin_not_ascii", "server:\n  allowed_origins: [\"https://caf\xc3\xa9.com,x\"]\n",
                     "server.allowed_origins[0]", 3, "printable ASCII"},
        invalid_case{"secret_space", "turn:\n  secrets: [\"a b\"]\n", "turn.secrets[0]", 3,
                     "spaces"},
        invalid_case{"secrets_scalar", "turn:\n  secrets: hunter2\n", "turn.secrets", 3,
                     "expected a list, got a scalar"},
        invalid_case{"log_level", "log:\n  level: loud\n", "log.level", 3,
                     "expected trace|debug|info|warn|error|off"},
        invalid_case{"log_format", "log:\n  format: xml\n", "log.format", 3, "text|json"},
        invalid_case{"yaml_syntax", "server:\n  allowed_origins: [a, b\n", "", 4,
                     "end of sequence flow not found"}),
    invalid_name);

TEST(load, secrets_never_appear_in_messages) {
  const temp_file file("profile: development\nturn:\n  secrets: hunter2\n  api_keys: [\"s p\"]\n");
  const auto text = format_problems(load_text(file).problems);
  EXPECT_THAT(text, HasSubstr("turn.secrets"));
  EXPECT_THAT(text, testing::Not(HasSubstr("hunter2")));
  EXPECT_THAT(text, testing::Not(HasSubstr("s p")));
}

TEST(load, reports_every_problem_in_file_order) {
  const temp_file file(
      "profile: development\nserver:\n  listen: nope\n  threads: 0\nlog:\n  level: loud\n");
  const auto result = load_text(file);
  ASSERT_EQ(result.problems.size(), 3u) << format_problems(result.problems);
  EXPECT_EQ(result.problems[0].source, file.path() + ":3");
  EXPECT_EQ(result.problems[1].source, file.path() + ":4");
  EXPECT_EQ(result.problems[2].source, file.path() + ":6");
}

TEST(load, bad_profile_skips_profile_rules) {
  // Production rules here would only add noise: the user meant some profile.
  const temp_file file("profile: staging\nserver:\n  allowed_origins: []\n");
  const auto result = load_text(file);
  ASSERT_EQ(result.problems.size(), 1u) << format_problems(result.problems);
  EXPECT_EQ(result.problems[0].key, "profile");
  EXPECT_EQ(result.problems[0].source, file.path() + ":1");
  EXPECT_THAT(result.problems[0].message, HasSubstr("expected production|development"));
}

TEST(load, top_level_must_be_a_map) {
  const temp_file file("- a\n- b\n");
  const auto result = load_text(file);
  ASSERT_EQ(result.problems.size(), 1u) << format_problems(result.problems);
  EXPECT_EQ(result.problems[0].source, file.path() + ":1");
  EXPECT_THAT(result.problems[0].message, HasSubstr("expected a map"));
}

TEST(load, unreadable_paths_are_problems_not_exceptions) {
  const std::string missing = "/nonexistent/switchboard.yaml";
  for (const std::string& path : {missing, testing::TempDir()}) {
    auto opts = dev_options();
    opts.path = path;
    const auto result = load(opts);
    EXPECT_FALSE(result.cfg);
    ASSERT_EQ(result.problems.size(), 1u) << format_problems(result.problems);
    EXPECT_THAT(result.problems[0].message, HasSubstr("cannot read"));
  }
}

TEST(format_problems, one_line_per_problem) {
  EXPECT_EQ(format_problems({{"server.listen", "x.yaml:12", "bad"}, {"", "y.yaml:3", "syntax"}}),
            "x.yaml:12: server.listen: bad\ny.yaml:3: syntax\n");
}

// ---- overrides ------------------------------------------------------------

TEST(set, parses_scalars_and_lists_as_yaml) {
  const temp_file file("profile: development\n");
  const auto result = load_text(file, {"server.max_connections=5", "turn.uris=[\"turn:h:3478\"]",
                                       "server.listen=\"[::1]:0\"", "metrics.enabled=off"});
  ASSERT_TRUE(result.cfg) << format_problems(result.problems);
  EXPECT_EQ(result.cfg->server.max_connections, 5u);
  EXPECT_EQ(result.cfg->turn.uris, std::vector<std::string>{"turn:h:3478"});
  EXPECT_EQ(result.cfg->server.listen, (endpoint{"::1", 0}));
  EXPECT_FALSE(result.cfg->metrics.enabled);
}

TEST(set, replaces_a_bad_file_value_and_whole_sections) {
  const temp_file file("profile: development\nserver:\n  listen: abc\n  rate_limit:\n"
                       "    burst: 0\n");
  const auto result =
      load_text(file, {"server.listen=127.0.0.1:0", "server.rate_limit={burst: 7}"});
  ASSERT_TRUE(result.cfg) << format_problems(result.problems);
  EXPECT_EQ(result.cfg->server.listen, (endpoint{"127.0.0.1", 0}));
  EXPECT_EQ(result.cfg->server.rate_limit.burst, 7);
  EXPECT_EQ(result.cfg->server.rate_limit.messages_per_second, 50);
}

struct set_error_case {
  std::string assignment;
  std::string key;
  std::string source;
  std::string message;
};

class set_errors : public testing::TestWithParam<set_error_case> {};

TEST_P(set_errors, name_the_override) {
  const auto& c = GetParam();
  const temp_file file("profile: development\n");
  const auto result = load_text(file, {c.assignment});
  EXPECT_FALSE(result.cfg);
  ASSERT_EQ(result.problems.size(), 1u) << format_problems(result.problems);
  EXPECT_EQ(result.problems[0].key, c.key);
  EXPECT_EQ(result.problems[0].source, c.source);
  EXPECT_THAT(result.problems[0].message, HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    table, set_errors,
    testing::Values(
        set_error_case{"server.nope=1", "server.nope", "--set server.nope", "unknown key"},
        set_error_case{"server.theads=2", "server.theads", "--set server.theads",
                       "did you mean server.threads?"},
        set_error_case{"no-equals", "", "--set no-equals", "expected dotted.key=value"},
        set_error_case{"server.listen=abc", "server.listen", "--set server.listen",
                       "expected host:port, got \"abc\""},
        set_error_case{"turn.uris=[\"turn:a\", \"ftp:b\"]", "turn.uris[1]", "--set turn.uris",
                       "stun:, turn: or turns:"},
        set_error_case{"server.rate_limit={burst: 1, brust: 2}", "server.rate_limit.brust",
                       "--set server.rate_limit", "did you mean server.rate_limit.burst?"},
        set_error_case{"server.listen=[::1]:8080", "server.listen", "--set server.listen",
                       "quote IPv6"},
        set_error_case{"server.threads=[1", "server.threads", "--set server.threads",
                       "not valid YAML"}));

TEST(set, into_a_scalar_section_is_an_error) {
  const temp_file file("profile: development\nserver: 5\n");
  const auto result = load_text(file, {"server.threads=2"});
  EXPECT_THAT(result.problems,
              testing::Contains(
                  testing::Field(&problem::message, HasSubstr("server is not a map"))));
}

TEST(precedence, set_over_env_over_file) {
  const temp_file file("profile: development\nturn:\n  secrets: [from-file]\n");
  const std::map<std::string, std::string> env{{turn_secret_env, " env-a , env-b ,"}};
  EXPECT_EQ(load_text(file).cfg.value().turn.secrets, std::vector<std::string>{"from-file"});
  EXPECT_EQ(load_text(file, {}, env).cfg.value().turn.secrets,
            (std::vector<std::string>{"env-a", "env-b"}));
  EXPECT_EQ(load_text(file, {"turn.secrets=[from-set]"}, env).cfg.value().turn.secrets,
            std::vector<std::string>{"from-set"});
}

TEST(env, blank_variable_is_ignored_and_bad_secret_names_the_variable) {
  const temp_file file("profile: development\nturn:\n  secrets: [from-file]\n");
  EXPECT_EQ(load_text(file, {}, {{turn_secret_env, " , "}}).cfg.value().turn.secrets,
            std::vector<std::string>{"from-file"});
  const auto bad = load_text(file, {}, {{turn_secret_env, "ok,\x01"}});
  ASSERT_EQ(bad.problems.size(), 1u) << format_problems(bad.problems);
  EXPECT_EQ(bad.problems[0].source, "env SWITCHBOARD_TURN_SECRET");
  EXPECT_EQ(bad.problems[0].key, "turn.secrets[1]");
}

// ---- secrets and profiles ---------------------------------------------------

constexpr auto owner_only = fs::perms::owner_read | fs::perms::owner_write;
constexpr auto world_readable = owner_only | fs::perms::group_read | fs::perms::others_read;

TEST(secret_file, lines_are_appended_after_secrets) {
  const temp_file secrets("# rotated 2024-05\nfile-one\n\n  file-two  \r\n   # old: gone\n",
                          owner_only);
  const temp_file file("profile: production\nauth:\n  mode: none\nserver:\n  allowed_origins: ['*']\nturn:\n"
                       "  secrets: [inline]\n  secret_file: " + secrets.path() + "\n");
  const auto result = load_text(file);
  ASSERT_TRUE(result.cfg) << format_problems(result.problems);
  EXPECT_EQ(result.cfg->turn.secrets,
            (std::vector<std::string>{"inline", "file-one", "file-two"}));
  EXPECT_FALSE(result.cfg->ephemeral_secret);
}

struct secret_file_case {
  std::string name;
  std::string profile;
  std::string contents;  // empty = the file does not exist
  fs::perms mode;
  std::string message;  // empty = loads
};

class secret_files : public testing::TestWithParam<secret_file_case> {};

TEST_P(secret_files, check) {
  const auto& c = GetParam();
  const temp_file secrets(c.contents, c.mode);
  const auto path = c.contents.empty() ? secrets.path() + ".missing" : secrets.path();
  const temp_file file("profile: " + c.profile + "\nauth:\n  mode: none\nserver:\n  allowed_origins: ['*']\n" +
                       "turn:\n  secret_file: " + path + "\n");
  const auto result = load_text(file);
  if (c.message.empty()) {
    EXPECT_TRUE(result.cfg) << format_problems(result.problems);
    return;
  }
  ASSERT_EQ(result.problems.size(), 1u) << format_problems(result.problems);
  EXPECT_EQ(result.problems[0].key, "turn.secret_file");
  EXPECT_THAT(result.problems[0].message, HasSubstr(c.message));
  EXPECT_FALSE(result.cfg);
}

std::string secret_file_name(const testing::TestParamInfo<secret_file_case>& p) {
  return p.param.name;
}

INSTANTIATE_TEST_SUITE_P(
    table, secret_files,
    testing::Values(
        secret_file_case{"missing", "production", "", owner_only, "No such file"},
        secret_file_case{"missing_dev", "development", "", owner_only, "No such file"},
        secret_file_case{"world_readable", "production", "s\n", world_readable,
                         "accessible by group or others (mode 0644); chmod 600"},
        secret_file_case{"world_readable_dev", "development", "s\n", world_readable, ""},
        secret_file_case{"private", "production", "s\n", owner_only, ""},
        secret_file_case{"only_comments", "production", "# none yet\n\n", owner_only,
                         "no secrets in"},
        secret_file_case{"bad_line", "development", "ok\nnot ok\n", owner_only,
                         "must not contain spaces"}),
    secret_file_name);

TEST(development, generates_an_ephemeral_secret) {
  const temp_file file("profile: development\n");
  const auto result = load_text(file);
  ASSERT_TRUE(result.cfg) << format_problems(result.problems);
  EXPECT_EQ(result.cfg->turn.secrets, std::vector<std::string>{"generated-secret"});
  EXPECT_TRUE(result.cfg->ephemeral_secret);
  EXPECT_THAT(result.notes, testing::Contains(
                                "no TURN secret configured: generated an ephemeral one "
                                "(development profile); credentials will not survive a restart"));
}

TEST(development, default_secret_is_random_base64url) {
  load_options opts;
  opts.sets = {"profile=development"};
  const auto a = load(opts);
  const auto b = load(opts);
  ASSERT_TRUE(a.cfg && b.cfg) << format_problems(a.problems);
  const auto& secret = a.cfg->turn.secrets.at(0);
  EXPECT_EQ(secret.size(), 43u);  // 32 bytes, unpadded
  EXPECT_EQ(secret.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-_"),
            std::string::npos);
  EXPECT_NE(secret, b.cfg->turn.secrets.at(0));
}

TEST(production, requires_secret_and_origins) {
  const temp_file file("server:\n  threads: 2\n");
  const auto result = load_text(file);
  EXPECT_FALSE(result.cfg);
  EXPECT_THAT(result.problems,
              testing::UnorderedElementsAre(
                  testing::Field(&problem::key, "auth.mode"),
                  testing::Field(&problem::key, "turn.secrets"),
                  testing::Field(&problem::key, "server.allowed_origins")));
  // Neither key is in the file, so the file itself is the source.
  EXPECT_THAT(result.problems, testing::Each(testing::Field(&problem::source, file.path())));
}

TEST(production, rest_api_needs_api_keys) {
  const temp_file file("server:\n  allowed_origins: ['https://a.example']\nturn:\n"
                       "  secrets: [s]\n  rest_api: true\n");
  const auto without = load_text(file, {"auth.mode=none"});
  ASSERT_EQ(without.problems.size(), 1u) << format_problems(without.problems);
  EXPECT_EQ(without.problems[0].key, "turn.api_keys");
  EXPECT_EQ(without.problems[0].source, file.path() + ":5");
  const auto with = load_text(file, {"auth.mode=none", "turn.api_keys=[k1]"});
  ASSERT_TRUE(with.cfg) << format_problems(with.problems);
  EXPECT_FALSE(with.cfg->ephemeral_secret);
  // With auth.mode jwt, bearer JWTs authenticate REST callers: keys are optional.
  const auto jwt = load_text(file, {"auth.mode=jwt", "auth.jwks_file=/etc/switchboard/jwks.json"});
  EXPECT_TRUE(jwt.cfg) << format_problems(jwt.problems);
}

TEST(auth, production_requires_a_mode_and_jwt_requires_keys) {
  const temp_file file("server:\n  allowed_origins: ['https://a.example']\nturn:\n  secrets: [s]\n");
  const auto unset = load_text(file);
  ASSERT_EQ(unset.problems.size(), 1u) << format_problems(unset.problems);
  EXPECT_EQ(unset.problems[0].key, "auth.mode");
  const auto none = load_text(file, {"auth.mode=none"});
  ASSERT_TRUE(none.cfg);
  EXPECT_THAT(none.notes, testing::Contains(HasSubstr("auth.mode is none")));
  const auto no_keys = load_text(file, {"auth.mode=jwt"});
  ASSERT_EQ(no_keys.problems.size(), 1u) << format_problems(no_keys.problems);
  EXPECT_EQ(no_keys.problems[0].key, "auth.jwks_file");
  const auto both = load_text(file, {"auth.mode=jwt", "auth.jwks_file=/k.json", "auth.jwks={\"keys\":[]}"});
  ASSERT_EQ(both.problems.size(), 1u) << format_problems(both.problems);
  EXPECT_EQ(both.problems[0].key, "auth.jwks");
  const auto bad_mode = load_text(file, {"auth.mode=oauth"});
  ASSERT_FALSE(bad_mode.cfg);
  EXPECT_THAT(format_problems(bad_mode.problems), HasSubstr("expected none|jwt"));
  // The development profile defaults to none: the tutorial client needs no token.
  const auto dev = load_text(file, {"profile=development"});
  ASSERT_TRUE(dev.cfg) << format_problems(dev.problems);
  EXPECT_EQ(dev.cfg->auth.mode, auth_mode::none);
}

TEST(auth, jwks_from_the_environment_is_masked) {
  const temp_file file("profile: development\nauth:\n  mode: jwt\n");
  load_options opts{file.path(), {}, {{"SWITCHBOARD_AUTH_JWKS", R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})"}}, nullptr};
  const auto result = load(opts);
  ASSERT_TRUE(result.cfg) << format_problems(result.problems);
  EXPECT_THAT(result.cfg->auth.jwks, HasSubstr("c2VjcmV0"));
  EXPECT_THAT(dump_masked(*result.cfg), testing::Not(HasSubstr("c2VjcmV0")));
  EXPECT_THAT(dump_masked(*result.cfg), HasSubstr("jwks: \"***\""));
}

TEST(turn_ttl, is_clamped_with_a_note) {
  const temp_file file("profile: development\nturn:\n  ttl: 1m\n");
  const auto result = load_text(file);
  ASSERT_TRUE(result.cfg) << format_problems(result.problems);
  EXPECT_EQ(result.cfg->turn.ttl, 5min);
  EXPECT_THAT(result.notes, testing::Contains(HasSubstr("turn.ttl: 1m is outside")));
}

// ---- dump and documentation -------------------------------------------------

config everything_changed() {
  config c;
  c.prof = profile::development;
  c.server.listen = {"::1", 0};
  c.server.tls = {"c.pem", "k.pem"};
  c.server.allowed_origins = {"https://a.example", "*"};
  c.server.threads = 3;
  c.server.idle_timeout = 90s;
  c.server.rate_limit.messages_per_second = 0.5;
  c.peers.resume_grace = 0s;
  c.turn.secrets = {"***", "***"};  // what a masked dump reads back as
  c.turn.api_keys = {"***"};
  c.turn.uris = {"turns:t.example:5349?transport=tcp"};
  c.turn.ttl = 2h;
  c.log.format = log_format::json;
  c.auth.mode = auth_mode::jwt;
  c.auth.jwks_file = "/etc/switchboard/jwks.json";
  c.auth.audience = "calls";
  c.auth.issuers = {"https://id.example"};
  c.auth.leeway = 5s;
  c.auth.max_token_lifetime = 10min;
  c.auth.allow_query_token = true;
  c.auth.hello_timeout = 3s;
  c.auth.max_connections_per_identity = 0;
  c.auth.failure_rate_limit = {1, 5};
  c.cluster.enabled = true;
  c.cluster.redis_url = "redis://sb@redis.internal:6380/2";  // no password: it would read back as "***"
  c.cluster.node_id = "replica-1";
  c.cluster.key_prefix = "sb:";
  c.cluster.connect_timeout = 500ms;
  c.cluster.command_timeout = 250ms;
  c.cluster.node_ttl = 3s;
  c.cluster.heartbeat_interval = 1s;
  c.cluster.handoff_timeout = 1500ms;
  c.cluster.max_bus_queue = 100;
  c.cluster.max_pending_commands = 200;
  return c;
}

TEST(dump_masked, hides_secrets_and_keeps_counts) {
  config c;
  c.turn.secrets = {"s3cr3t-one", "s3cr3t-two"};
  c.turn.api_keys = {"key-abc"};
  const auto text = dump_masked(c);
  EXPECT_THAT(text, testing::Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(text, testing::Not(HasSubstr("key-abc")));
  EXPECT_THAT(text, HasSubstr("secrets: [\"***\", \"***\"]"));
  EXPECT_THAT(text, HasSubstr("api_keys: [\"***\"]"));
  EXPECT_THAT(text, HasSubstr("idle_timeout: 1m"));
}

TEST(dump_masked, reads_back_as_the_same_config) {
  const auto original = everything_changed();
  const temp_file file(dump_masked(original));
  const auto result = load_text(file);
  ASSERT_TRUE(result.cfg) << format_problems(result.problems) << dump_masked(original);
  EXPECT_EQ(*result.cfg, original) << dump_masked(*result.cfg);
}

// The rows between the keys markers of docs/configuration.md: key -> default.
std::vector<std::pair<std::string, std::string>> documented_keys() {
  std::istringstream doc(read_all(SWITCHBOARD_SOURCE_DIR "/docs/configuration.md"));
  std::vector<std::pair<std::string, std::string>> out;
  bool inside = false;
  for (std::string line; std::getline(doc, line);) {
    inside = (inside || line == "<!-- keys:begin -->") && line != "<!-- keys:end -->";
    if (!inside || !line.starts_with("| `")) {
      continue;
    }
    std::vector<std::string> cells;
    std::istringstream row(line.substr(1));
    for (std::string cell; std::getline(row, cell, '|');) {
      const auto first = cell.find_first_not_of(" `");
      const auto last = cell.find_last_not_of(" `");
      cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
    }
    out.emplace_back(cells.at(0), cells.at(1));
  }
  return out;
}

TEST(docs, list_exactly_the_accepted_keys_with_their_defaults) {
  const auto documented = documented_keys();
  std::vector<std::string> keys;
  for (const auto& [key, value] : documented) keys.push_back(key);
  EXPECT_THAT(keys, testing::UnorderedElementsAreArray(known_keys()));
  EXPECT_THAT(documented, testing::UnorderedElementsAreArray(masked_values(config{})));
}

TEST(examples, load_without_problems) {
  auto dev = dev_options();
  dev.path = SWITCHBOARD_SOURCE_DIR "/config/switchboard.yaml";
  const auto local = load(dev);
  ASSERT_TRUE(local.cfg) << format_problems(local.problems);
  EXPECT_EQ(local.cfg->prof, profile::development);
  EXPECT_TRUE(local.cfg->ephemeral_secret);
  EXPECT_EQ(local.cfg->server.listen, (endpoint{"0.0.0.0", 8080}));

  // The example's secret file only exists on a real host; the environment
  // variable is the other documented way in.
  load_options prod;
  prod.path = SWITCHBOARD_SOURCE_DIR "/config/production.yaml";
  prod.sets = {"turn.secret_file=\"\""};
  prod.env = {{turn_secret_env, "prod-secret"}};
  const auto production = load(prod);
  ASSERT_TRUE(production.cfg) << format_problems(production.problems);
  EXPECT_EQ(production.cfg->prof, profile::production);
  EXPECT_EQ(production.cfg->turn.secrets, std::vector<std::string>{"prod-secret"});
  EXPECT_FALSE(production.cfg->server.tls.cert.empty());
  EXPECT_TRUE(production.notes.empty());
}

}  // namespace
