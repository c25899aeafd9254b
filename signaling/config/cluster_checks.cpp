// Rules for the cluster.* keys, the Redis password and the node ID the loader
// resolves for them, and the URL masking of the dump.

#include "signaling/config/checks.hpp"
#include "signaling/config/cluster.hpp"
#include "signaling/config/readers.hpp"
#include "signaling/config/scalars.hpp"

#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

namespace switchboard::config {
namespace {

// Letters and digits only: "-" or "_" next to the host name's "-" reads badly.
constexpr std::string_view suffix_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view url_prefix = "redis://";

bool node_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

std::string random_suffix(std::size_t length) {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Uniqueness, not secrecy, is what the suffix is for.
    std::random_device device;
    for (auto& b : bytes) b = static_cast<unsigned char>(device());
  }
  std::string out;
  // The modulo's slight bias costs nothing: the suffix is for uniqueness.
  for (std::size_t i = 0; i < length && i < bytes.size(); ++i) out += suffix_chars[bytes[i] % suffix_chars.size()];
  return out;
}

std::string host_name() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return {};
  return buf.data();
}

}  // namespace

bool valid_node_id(std::string_view id) {
  return !id.empty() && id.size() <= max_node_id_length && std::all_of(id.begin(), id.end(), node_id_char);
}

std::string make_node_id(std::string_view host, std::string_view suffix) {
  suffix = suffix.substr(0, max_node_id_length - 1);
  std::string out(host.empty() ? std::string_view("switchboard") : host);
  std::replace_if(out.begin(), out.end(), [](char c) { return !node_id_char(c); }, '-');
  out.resize(std::min(out.size(), max_node_id_length - 1 - suffix.size()));
  return out + "-" + std::string(suffix);
}

std::string default_node_id() { return make_node_id(host_name(), random_suffix(6)); }

std::optional<cluster::redis_url> redis_url_of(const cluster_config& c) {
  auto parsed = cluster::parse_redis_url(c.redis_url);
  if (parsed.url && !c.redis_password.empty()) parsed.url->password = c.redis_password;
  return parsed.url;
}

namespace detail {
namespace {

class cluster_checker {
 public:
  cluster_checker(config& cfg, const load_options& opts, const source_of_key& source,
                  std::vector<problem>& problems, std::vector<std::string>& notes)
      : cfg_(cfg), c_(cfg.cluster), opts_(opts), source_(source), problems_(problems), notes_(notes) {}

  void heartbeat() {
    // Two refreshes may be late (a slow Redis, a busy event loop) before the
    // others take a live replica for dead.
    if (c_.heartbeat_interval * 3 > c_.node_ttl) {
      add("cluster.heartbeat_interval",
          "must be at most a third of cluster.node_ttl (" + format_duration(c_.node_ttl) + "), got " +
              format_duration(c_.heartbeat_interval) +
              ", so that two late refreshes do not let a live replica's liveness key expire");
    }
  }

  // password_file > SWITCHBOARD_REDIS_PASSWORD > the URL's password.
  void password() {
    if (!c_.redis_password_file.empty()) {
      read_password_file();
      return;
    }
    if (const auto env = opts_.env.find(redis_password_env); env != opts_.env.end() && !env->second.empty()) {
      c_.redis_password = env->second;
      return;
    }
    const auto url = cluster::parse_redis_url(c_.redis_url).url;
    if (!url) return;  // already a problem
    c_.redis_password = url->password;
    if (c_.redis_password.empty() && cfg_.prof == profile::production) {
      notes_.push_back(
          "cluster.redis.url: no Redis password (cluster.redis.password_file, " + std::string(redis_password_env) +
          " or the URL): anyone who reaches Redis can read and inject signaling messages");
    }
  }

  void node_id() {
    if (c_.node_id.empty()) c_.node_id = default_node_id();
  }

 private:
  void read_password_file() {
    const auto& path = c_.redis_password_file;
    if (auto why = secret_file_missing(path)) {
      add("cluster.redis.password_file", *why);
      return;
    }
    if (cfg_.prof == profile::production) {
      if (auto why = secret_file_too_open(path)) add("cluster.redis.password_file", *why);
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      add("cluster.redis.password_file", "cannot read " + path + ": " + std::strerror(errno));
      return;
    }
    std::string password{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) password.pop_back();
    if (password.empty()) {
      add("cluster.redis.password_file", path + " is empty");
      return;
    }
    c_.redis_password = std::move(password);
  }

  void add(std::string key, std::string message) {
    auto where = source_(key);
    problems_.push_back({std::move(key), std::move(where), std::move(message)});
  }

  config& cfg_;
  cluster_config& c_;
  const load_options& opts_;
  const source_of_key& source_;
  std::vector<problem>& problems_;
  std::vector<std::string>& notes_;
};

}  // namespace

void check_cluster(config& cfg, const load_options& opts, const source_of_key& source,
                   std::vector<problem>& problems, std::vector<std::string>& notes) {
  cluster_checker check(cfg, opts, source, problems, notes);
  check.heartbeat();
  // A disabled cluster needs neither; nor does the TURN role, which serves no signaling.
  if (!cfg.cluster.enabled || !opts.signaling) return;
  check.password();
  check.node_id();
}

std::string masked_redis_url(const std::string& text) {
  const auto parsed = cluster::parse_redis_url(text);
  if (!parsed.url) return "***";  // no telling where a password would be
  if (parsed.url->password.empty()) return text;
  // Where parse_redis_url found it: the user info is up to the last '@' of
  // the authority, the password after its first ':'.
  const auto authority = std::string_view(text).substr(url_prefix.size());
  const auto at = authority.substr(0, authority.find('/')).rfind('@');
  const auto colon = authority.find(':');
  return text.substr(0, url_prefix.size() + colon + 1) + "***" + text.substr(url_prefix.size() + at);
}

std::optional<std::string> check_redis_url(const std::string& text) {
  auto parsed = cluster::parse_redis_url(text);
  if (parsed.url) return std::nullopt;
  // The problem already names the key.
  constexpr std::string_view own_prefix = "cluster.redis.url: ";
  if (parsed.error.starts_with(own_prefix)) parsed.error.erase(0, own_prefix.size());
  return parsed.error;
}

std::optional<std::string> check_node_id_or_empty(const std::string& text) {
  if (text.empty() || valid_node_id(text)) return std::nullopt;
  return "expected 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-' (or empty for "
         "host name + random suffix)";
}

std::optional<std::string> check_key_prefix(const std::string& text) {
  const bool printable = std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (text.empty() || text.size() > 64 || !printable) {
    return "expected 1 to 64 printable ASCII characters without spaces";
  }
  return std::nullopt;
}

}  // namespace detail
}  // namespace switchboard::config
