// The command line: --version, --help, check-config (exit codes, masking,
// FILE:LINE problem reports) and serve refusing a bad configuration.

#include "tests/support/process.hpp"
#include "tests/support/server_fixture.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace switchboard::test {
namespace {

using namespace std::chrono_literals;

run_result switchboard(std::vector<std::string> args) {
  args.insert(args.begin(), server_binary());
  return run(command(std::move(args)), within(15s));
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(cli, version_prints_the_project_version) {
  const auto r = switchboard({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, SWITCHBOARD_VERSION)) << r.output;
}

TEST(cli, help_lists_the_subcommands) {
  const auto r = switchboard({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "serve")) << r.output;
  EXPECT_TRUE(contains(r.output, "check-config")) << r.output;
}

TEST(cli, unknown_subcommand_fails) {
  const auto r = switchboard({"frobnicate"});
  EXPECT_NE(r.exit_code, 0) << r.output;
}

TEST(cli, check_config_accepts_a_valid_file_and_masks_secrets) {
  temp_dir dir;
  const auto path = dir.write("ok.yaml",
                              "profile: development\n"
                              "server:\n"
                              "  listen: 127.0.0.1:0\n"
                              "turn:\n"
                              "  secrets: [\"very-secret-turn-value\"]\n"
                              "  rest_api: true\n"
                              "  api_keys: [\"very-secret-api-key\"]\n");
  const auto r = switchboard({"check-config", path});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "***")) << r.output;
  EXPECT_FALSE(contains(r.output, "very-secret-turn-value")) << r.output;
  EXPECT_FALSE(contains(r.output, "very-secret-api-key")) << r.output;
  // The effective configuration, defaults included.
  EXPECT_TRUE(contains(r.output, "max_connections")) << r.output;
  EXPECT_TRUE(contains(r.output, "127.0.0.1:0")) << r.output;
}

TEST(cli, check_config_reports_each_problem_with_file_and_line) {
  temp_dir dir;
  const auto path = dir.write("bad.yaml",
                              "profile: development\n"
                              "server:\n"
                              "  listen: 127.0.0.1:0\n"
                              "  max_connections: lots\n"
                              "  drain_period: soon\n"
                              "log:\n"
                              "  level: chatty\n");
  const auto r = switchboard({"check-config", path});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, path + ":4: server.max_connections: ")) << r.output;
  EXPECT_TRUE(contains(r.output, path + ":5: server.drain_period: ")) << r.output;
  EXPECT_TRUE(contains(r.output, path + ":7: log.level: ")) << r.output;
}

TEST(cli, check_config_fails_on_a_missing_file) {
  temp_dir dir;
  const auto r = switchboard({"check-config", dir.file("absent.yaml")});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "absent.yaml")) << r.output;
}

TEST(cli, check_config_fails_on_invalid_yaml) {
  temp_dir dir;
  const auto path = dir.write("broken.yaml", "server:\n  listen: [unclosed\n");
  const auto r = switchboard({"check-config", path});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "broken.yaml")) << r.output;
}

TEST(cli, serve_refuses_a_bad_override_and_exits_non_zero) {
  temp_dir dir;
  const auto path = dir.write("ok.yaml",
                              "profile: development\nserver:\n  listen: 127.0.0.1:0\n"
                              "metrics:\n  listen: 127.0.0.1:0\n");
  const auto r = switchboard({"serve", "--config", path, "--set", "server.max_connections=lots"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.exit_code, -1) << "serve did not exit on a bad configuration";
  EXPECT_TRUE(contains(r.output, "server.max_connections")) << r.output;
  EXPECT_FALSE(contains(r.output, "listening on")) << r.output;
}

}  // namespace
}  // namespace switchboard::test
