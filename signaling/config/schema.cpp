#include "signaling/config/schema.hpp"

#include "signaling/config/checks.hpp"
#include "signaling/config/scalars.hpp"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

namespace switchboard::config::detail {
namespace {

constexpr std::uint64_t no_limit = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t mib = 1024 * 1024;

// Each factory takes `at`, a generic lambda returning a reference to the field
// in a (const or mutable) config, so one lambda serves both read and write.
template <class At>
field text(std::string key, At at, text_check check = nullptr) {
  return {std::move(key),
          [=](const YAML::Node& n, config& c, field_errors& e) {
            if (auto v = read_text(n, check, e)) at(c) = *v;
          },
          [=](const config& c) { return YAML::Node(at(c)); }};
}

// A text value that may hold secrets (an inline JWKS with HS256 keys): dumped as "***" when set.
template <class At>
field masked_text(std::string key, At at) {
  return {std::move(key),
          [=](const YAML::Node& n, config& c, field_errors& e) {
            if (auto v = read_text(n, nullptr, e)) at(c) = *v;
          },
          [=](const config& c) { return YAML::Node(at(c).empty() ? std::string() : std::string("***")); }};
}

template <class At>
field flag(std::string key, At at) {
  return {std::move(key),
          [=](const YAML::Node& n, config& c, field_errors& e) {
            if (auto v = read_flag(n, e)) at(c) = *v;
          },
          [=](const config& c) { return YAML::Node(at(c) ? "true" : "false"); }};
}

template <class At>
field count(std::string key, At at, std::uint64_t min, std::uint64_t max = no_limit) {
  return {std::move(key),
          [=](const YAML::Node& n, config& c, field_errors& e) {
            if (auto v = read_count(n, min, max, e)) at(c) = static_cast<std::size_t>(*v);
          },
          [=](const config& c) { return YAML::Node(std::to_string(at(c))); }};
}

template <class At>
field rate(std::string key, At at) {
  return {std::move(key),
          [=](const YAML::Node& n, config& c, field_errors& e) {
            if (auto v = read_positive(n, e)) at(c) = *v;
          },
          [=](const config& c) { return YAML::Node(format_number(at(c))); }};
}

template <class At>
field duration(std::string key, At at, bool allow_zero = false) {
  return {std::move(key),
          [=](const YAML::Node& n, config& c, field_errors& e) {
            if (auto v = read_seconds(n, allow_zero, e)) at(c) = *v;
          },
          [=](const config& c) { return YAML::Node(format_duration(at(c))); }};
}

// Sub-second durations allowed (cluster timeouts).
template <class At>
field millis(std::string key, At at) {
  return {std::move(key),
          [=](const YAML::Node& n, config& c, field_errors& e) {
            if (auto v = read_millis(n, false, e)) at(c) = *v;
          },
          [=](const config& c) { return YAML::Node(format_duration(at(c))); }};
}

// A redis:// URL: validated by parse_redis_url, dumped without its password.
template <class At>
field redis_url(std::string key, At at) {
  return {std::move(key),
          [=](const YAML::Node& n, config& c, field_errors& e) {
            if (auto v = read_text(n, check_redis_url, e)) at(c) = *v;
          },
          [=](const config& c) { return YAML::Node(masked_redis_url(at(c))); }};
}

template <class At>
field address(std::string key, At at) {
  return {std::move(key),
          [=](const YAML::Node& n, config& c, field_errors& e) {
            if (auto v = read_endpoint(n, e)) at(c) = *v;
          },
          [=](const config& c) { return YAML::Node(format_endpoint(at(c))); }};
}

template <class At>
field list(std::string key, At at, text_check check, bool masked = false) {
  return {std::move(key),
          [=](const YAML::Node& n, config& c, field_errors& e) {
            if (auto v = read_list(n, check, masked, e)) at(c) = std::move(*v);
          },
          [=](const config& c) {
            YAML::Node out(YAML::NodeType::Sequence);
            for (const auto& item : at(c)) out.push_back(masked ? std::string("***") : item);
            return out;
          }};
}

template <class T>
using names = std::vector<std::pair<std::string, T>>;

template <class At, class T>
field choice(std::string key, At at, names<T> options) {
  std::string expected;
  for (const auto& [name, value] : options) {
    expected += (expected.empty() ? "" : "|") + name;
  }
  return {std::move(key),
          [=](const YAML::Node& n, config& c, field_errors& e) {
            const auto found = std::find_if(options.begin(), options.end(), [&](const auto& o) {
              return n.IsScalar() && o.first == n.Scalar();
            });
            if (found == options.end()) {
              e.push_back({{}, "expected " + expected + ", got " + describe(n), n.Mark()});
              return;
            }
            at(c) = found->second;
          },
          [=](const config& c) {
            const auto found = std::find_if(options.begin(), options.end(),
                                            [&](const auto& o) { return o.second == at(c); });
            return YAML::Node(found == options.end() ? std::string("?") : found->first);
          }};
}

#define SB_AT(member) [](auto& c) -> auto& { return c.member; }

std::vector<field> server_fields() {
  return {
      address("server.listen", SB_AT(server.listen)),
      text("server.static_dir", SB_AT(server.static_dir)),
      text("server.tls.cert", SB_AT(server.tls.cert)),
      text("server.tls.key", SB_AT(server.tls.key)),
      list("server.allowed_origins", SB_AT(server.allowed_origins), check_origin),
      flag("server.allow_missing_origin", SB_AT(server.allow_missing_origin)),
      count("server.max_message_bytes", SB_AT(server.max_message_bytes), 1024, 16 * mib),
      count("server.max_connections", SB_AT(server.max_connections), 1),
      count("server.max_connections_per_ip", SB_AT(server.max_connections_per_ip), 1),
      text("server.ws_path", SB_AT(server.ws_path), check_ws_path),
      count("server.threads", SB_AT(server.threads), 1, 64),
      duration("server.handshake_timeout", SB_AT(server.handshake_timeout)),
      duration("server.idle_timeout", SB_AT(server.idle_timeout)),
      duration("server.drain_period", SB_AT(server.drain_period), true),
      count("server.send_queue_messages", SB_AT(server.send_queue_messages), 1),
      count("server.send_queue_bytes", SB_AT(server.send_queue_bytes), 1),
      count("server.max_http_body_bytes", SB_AT(server.max_http_body_bytes), 1),
      rate("server.rate_limit.messages_per_second", SB_AT(server.rate_limit.messages_per_second)),
      rate("server.rate_limit.burst", SB_AT(server.rate_limit.burst)),
  };
}

std::vector<field> other_fields() {
  return {
      flag("metrics.enabled", SB_AT(metrics.enabled)),
      address("metrics.listen", SB_AT(metrics.listen)),
      duration("peers.resume_grace", SB_AT(peers.resume_grace), true),
      count("peers.max_queued_messages", SB_AT(peers.max_queued_messages), 0),
      count("peers.max_queued_bytes", SB_AT(peers.max_queued_bytes), 0),
      flag("peers.leave_on_close", SB_AT(peers.leave_on_close)),
      count("peers.max_detached", SB_AT(peers.max_detached), 1),
      count("peers.max_queued_bytes_total", SB_AT(peers.max_queued_bytes_total), 0),
      count("peers.max_per_address", SB_AT(peers.max_per_address), 1),
      rate("peers.id_rate_limit.per_second", SB_AT(peers.id_rate_limit.per_second)),
      rate("peers.id_rate_limit.burst", SB_AT(peers.id_rate_limit.burst)),
      choice("auth.mode", SB_AT(auth.mode),
             names<auth_mode>{{"", auth_mode::unset}, {"none", auth_mode::none}, {"jwt", auth_mode::jwt}}),
      text("auth.jwks_file", SB_AT(auth.jwks_file)),
      masked_text("auth.jwks", SB_AT(auth.jwks)),
      text("auth.audience", SB_AT(auth.audience), check_not_empty),
      list("auth.issuers", SB_AT(auth.issuers), check_not_empty),
      duration("auth.leeway", SB_AT(auth.leeway), true),
      duration("auth.max_token_lifetime", SB_AT(auth.max_token_lifetime)),
      flag("auth.allow_query_token", SB_AT(auth.allow_query_token)),
      duration("auth.hello_timeout", SB_AT(auth.hello_timeout)),
      count("auth.max_connections_per_identity", SB_AT(auth.max_connections_per_identity), 0),
      rate("auth.failure_rate_limit.per_second", SB_AT(auth.failure_rate_limit.per_second)),
      rate("auth.failure_rate_limit.burst", SB_AT(auth.failure_rate_limit.burst)),
      list("turn.secrets", SB_AT(turn.secrets), check_secret, true),
      text("turn.secret_file", SB_AT(turn.secret_file)),
      duration("turn.ttl", SB_AT(turn.ttl), true),
      list("turn.uris", SB_AT(turn.uris), check_uri),
      text("turn.realm", SB_AT(turn.realm), check_not_empty),
      flag("turn.rest_api", SB_AT(turn.rest_api)),
      list("turn.api_keys", SB_AT(turn.api_keys), check_secret, true),
      flag("turn.managed.enabled", SB_AT(turn.managed.enabled)),
      text("turn.managed.binary", SB_AT(turn.managed.binary), check_not_empty),
      choice("turn.managed.profile", SB_AT(turn.managed.profile),
             names<std::string>{{"", ""}, {"production", "production"}, {"development", "development"}}),
      address("turn.managed.listen", SB_AT(turn.managed.listen)),
      text("turn.managed.relay_ip", SB_AT(turn.managed.relay_ip), check_ip_or_empty),
      text("turn.managed.relay_ports", SB_AT(turn.managed.relay_ports), check_port_range),
      text("turn.managed.external_ip", SB_AT(turn.managed.external_ip), check_external_ip),
      text("turn.managed.tls.cert", SB_AT(turn.managed.tls.cert)),
      text("turn.managed.tls.key", SB_AT(turn.managed.tls.key)),
      count("turn.managed.tls.port", SB_AT(turn.managed.tls.port), 1, 65535),
      count("turn.managed.user_quota", SB_AT(turn.managed.user_quota), 1),
      count("turn.managed.total_quota", SB_AT(turn.managed.total_quota), 1),
      count("turn.managed.max_bps", SB_AT(turn.managed.max_bps), 0),
      duration("turn.managed.stop_timeout", SB_AT(turn.managed.stop_timeout)),
      count("turn.managed.crash_loop_restarts", SB_AT(turn.managed.crash_loop_restarts), 1, 1000),
      duration("turn.managed.crash_loop_window", SB_AT(turn.managed.crash_loop_window)),
      duration("turn.probe.interval", SB_AT(turn.probe.interval), true),
      duration("turn.probe.timeout", SB_AT(turn.probe.timeout)),
      text("turn.probe.server", SB_AT(turn.probe.server), check_host_port_or_empty),
      flag("cluster.enabled", SB_AT(cluster.enabled)),
      redis_url("cluster.redis.url", SB_AT(cluster.redis_url)),
      text("cluster.redis.password_file", SB_AT(cluster.redis_password_file)),
      text("cluster.node_id", SB_AT(cluster.node_id), check_node_id_or_empty),
      text("cluster.key_prefix", SB_AT(cluster.key_prefix), check_key_prefix),
      millis("cluster.connect_timeout", SB_AT(cluster.connect_timeout)),
      millis("cluster.command_timeout", SB_AT(cluster.command_timeout)),
      millis("cluster.node_ttl", SB_AT(cluster.node_ttl)),
      millis("cluster.heartbeat_interval", SB_AT(cluster.heartbeat_interval)),
      millis("cluster.handoff_timeout", SB_AT(cluster.handoff_timeout)),
      count("cluster.max_bus_queue", SB_AT(cluster.max_bus_queue), 1),
      count("cluster.max_pending_commands", SB_AT(cluster.max_pending_commands), 1),
      choice("log.level", SB_AT(log.level),
             names<std::string>{{"trace", "trace"}, {"debug", "debug"}, {"info", "info"},
                                {"warn", "warn"}, {"error", "error"}, {"off", "off"}}),
      choice("log.format", SB_AT(log.format),
             names<log_format>{{"text", log_format::text}, {"json", log_format::json}}),
  };
}

#undef SB_AT

std::vector<field> make_fields() {
  std::vector<field> out{choice("profile", [](auto& c) -> auto& { return c.prof; },
                                names<profile>{{"production", profile::production},
                                               {"development", profile::development}})};
  for (auto&& group : {server_fields(), other_fields()}) {
    out.insert(out.end(), group.begin(), group.end());
  }
  return out;
}

std::set<std::string, std::less<>> make_sections() {
  std::set<std::string, std::less<>> out;
  for (const auto& f : fields()) {
    for (auto dot = f.key.find('.'); dot != std::string::npos; dot = f.key.find('.', dot + 1)) {
      out.insert(f.key.substr(0, dot));
    }
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const std::vector<field>& fields() {
  static const std::vector<field> table = make_fields();
  return table;
}

const field* find_field(std::string_view key) {
  const auto& table = fields();
  const auto found =
      std::find_if(table.begin(), table.end(), [&](const field& f) { return f.key == key; });
  return found == table.end() ? nullptr : &*found;
}

bool is_section(std::string_view key) {
  static const auto sections = make_sections();
  return sections.find(key) != sections.end();
}

std::optional<std::string> suggest_key(std::string_view unknown) {
  static const auto sections = make_sections();
  const auto dot = unknown.rfind('.');
  const auto parent = dot == std::string_view::npos ? std::string_view() : unknown.substr(0, dot);
  std::optional<std::string> best;
  std::size_t best_distance = 3;  // more than two edits away is a different word
  auto consider = [&](const std::string& candidate) {
    const auto candidate_dot = candidate.rfind('.');
    const auto candidate_parent =
        candidate_dot == std::string::npos ? std::string_view() :
                                             std::string_view(candidate).substr(0, candidate_dot);
    if (candidate_parent != parent) {
      return;  // only siblings: a typo in the last word, not a different section
    }
    if (const auto d = edit_distance(unknown, candidate); d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  };
  for (const auto& f : fields()) consider(f.key);
  for (const auto& s : sections) consider(s);
  return best;
}

}  // namespace switchboard::config::detail
