// The configuration loader (signaling/config) on an operator's files and
// command line. The input is a YAML file, then, each after a NUL byte, up to
// four --set assignments and a SWITCHBOARD_TURN_SECRET value; a config file
// as it is (no NUL) is a seed.
//
// load() documents that it never throws, so nothing is caught here: an
// exception ends the run as a crash. Checked beyond that: a config comes back
// exactly when there are no problems; no problem is the loader's own
// "internal error" net (an exception it caught); the masked dump does not
// depend on the secrets' values; and the dump, loaded again with the secrets
// (and the Redis URL, whose password it masks) given by --set, gives the same
// config.

#include "fuzz_check.hpp"
#include "signaling/config/loader.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace config = switchboard::config;

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "switchboard-fuzz-config-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string write(std::string_view name, std::string_view text) {
  static temp_dir dir;
  const auto p = dir.path / name;
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
  return p.string();
}

std::vector<std::string_view> split_nul(std::string_view in) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto end = in.find('\0', start);
    parts.push_back(in.substr(start, end - start));
    if (end == std::string_view::npos || parts.size() == 6) return parts;
    start = end + 1;
  }
}

config::load_result load(std::string path, std::vector<std::string> sets, std::map<std::string, std::string> env) {
  config::load_options opts;
  opts.path = std::move(path);
  opts.sets = std::move(sets);
  opts.env = std::move(env);
  opts.make_secret = [] { return std::string("fuzz-ephemeral-secret-0123456789"); };
  return config::load(opts);
}

// Distinct values of the same count: the masked dump must not change.
void check_masking(const config::config& cfg) {
  auto other = cfg;
  for (auto* list : {&other.turn.secrets, &other.turn.api_keys}) {
    for (std::size_t i = 0; i < list->size(); ++i) (*list)[i] = "replaced-" + std::to_string(i) + "-" + (*list)[i];
  }
  other.cluster.redis_password = "replaced-" + other.cluster.redis_password;
  FUZZ_CHECK(config::dump_masked(other) == config::dump_masked(cfg));
}

void check_reload(const config::config& cfg) {
  const auto json_list = [](const std::vector<std::string>& v) {
    return boost::json::serialize(boost::json::value_from(v));
  };
  // The dump masks secrets, and secret_file lines are in cfg.turn.secrets already.
  const auto reloaded = load(write("dump.yaml", config::dump_masked(cfg)),
                             {"turn.secrets=" + json_list(cfg.ephemeral_secret ? std::vector<std::string>{}
                                                                                 : cfg.turn.secrets),
                              "turn.api_keys=" + json_list(cfg.turn.api_keys), "turn.secret_file=\"\"",
                              // The URL's password is masked too.
                              "cluster.redis.url=" + boost::json::serialize(boost::json::value_from(cfg.cluster.redis_url))},
                             {});
  if (!reloaded.cfg) {
    for (const auto& p : reloaded.problems) std::fprintf(stderr, "reload: %s\n", config::format_problems({p}).c_str());
  }
  FUZZ_CHECK(reloaded.cfg.has_value());
  auto expected = cfg;
  expected.turn.secret_file.clear();
  FUZZ_CHECK(*reloaded.cfg == expected);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = split_nul(switchboard::fuzz::as_text(data, size));
  std::vector<std::string> sets;
  for (std::size_t i = 1; i < parts.size() && i <= 4; ++i) sets.emplace_back(parts[i]);
  std::map<std::string, std::string> env;
  if (parts.size() == 6) env[config::turn_secret_env] = std::string(parts[5]);

  const auto result = load(write("switchboard.yaml", parts[0]), sets, env);
  FUZZ_CHECK(result.cfg.has_value() == result.problems.empty());
  for (const auto& p : result.problems) {
    if (p.message.starts_with("internal error")) std::fprintf(stderr, "%s\n", config::format_problems({p}).c_str());
    FUZZ_CHECK(!p.message.starts_with("internal error"));
  }
  if (!result.cfg) return 0;
  check_masking(*result.cfg);
  check_reload(*result.cfg);
  return 0;
}
