// switchboard: command line, configuration, wiring. Everything with state is
// created here and passed down; nothing is global.

#include "signaling/app/auth_cli.hpp"
#include "signaling/app/auth_keys.hpp"
#include "signaling/app/cluster_runtime.hpp"
#include "signaling/app/logging.hpp"
#include "signaling/app/metrics_http_limits.hpp"
#include "signaling/app/metrics_server.hpp"
#include "signaling/app/turn_options.hpp"
#include "signaling/config/loader.hpp"
#include "signaling/core/hub.hpp"
#include "signaling/core/ids.hpp"
#include "signaling/log/fd_budget.hpp"
#include "signaling/metrics/metrics.hpp"
#include "signaling/net/http_router.hpp"
#include "signaling/net/server.hpp"
#include "turn/credentials/ice_servers.hpp"
#include "turn/managed/turn_service.hpp"

#include <CLI/CLI.hpp>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <pthread.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

extern char** environ;

namespace {

using namespace switchboard;

std::map<std::string, std::string> switchboard_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos && kv.starts_with("SWITCHBOARD_")) {
      env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
    }
  }
  return env;
}

std::optional<config::load_result> load_config(const std::string& path, const std::vector<std::string>& sets,
                                               bool signaling = true) {
  auto result = config::load({path, sets, switchboard_environment(), nullptr, signaling});
  if (!result.cfg) {
    std::cerr << config::format_problems(result.problems);
    std::cerr << "switchboard: " << result.problems.size() << " configuration problem(s)\n";
    return std::nullopt;
  }
  return result;
}

// Raises the soft open-files limit to the hard one (as servers commonly do)
// and warns when even that cannot hold server.max_connections.
void check_open_files(const config::config& cfg, spdlog::logger& log) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &lim);
  }
  const auto nofile = log::current_nofile_limit();
  if (!nofile) return;
  const auto budget = log::check_fd_budget({cfg.server.max_connections, app::metrics_http_limits{}.max_connections, nofile->soft});
  if (budget.too_low) log.warn("{}", budget.warning);
}

// turn/ mints the iceServers; the protocol has a type of its own for them.
std::vector<protocol::ice_server> to_protocol(std::vector<turn::ice_server> servers) {
  std::vector<protocol::ice_server> out;
  out.reserve(servers.size());
  for (auto& s : servers) out.push_back({std::move(s.urls), std::move(s.username), std::move(s.credential)});
  return out;
}

int serve(const config::load_result& loaded, const std::string& path, const std::vector<std::string>& sets) {
  const auto& cfg = *loaded.cfg;
  auto log = app::make_logger(cfg.log);
  log->info("switchboard {} starting (profile {})", SWITCHBOARD_VERSION,
            cfg.prof == config::profile::development ? "development" : "production");
  for (const auto& note : loaded.notes) log->warn("config: {}", note);
  check_open_files(cfg, *log);

  auto registry = std::make_shared<prometheus::Registry>();
  metrics::signaling_metrics m(*registry);
  metrics::add_build_info(*registry, SWITCHBOARD_VERSION);
  app::metrics_server metrics_endpoint(cfg.metrics, registry, *log);

  turn::ice_server_source ice(cfg.turn.uris, cfg.turn.secrets.front(), cfg.turn.ttl);
  core::hub_sources sources{
      [&ice](std::string_view id) { return to_protocol(ice.for_peer(id)); },
      [&ice] { return ice.ttl(); },
      [] { return core::random_peer_id(); },
      [] { return core::random_token(); },
  };
  core::hub hub({cfg.peers.resume_grace, cfg.peers.max_queued_messages, cfg.peers.max_queued_bytes,
                 cfg.peers.max_detached, cfg.peers.max_queued_bytes_total,
                 {cfg.peers.max_per_address, cfg.peers.id_rate_limit.per_second, cfg.peers.id_rate_limit.burst},
                 cfg.auth.max_connections_per_identity},
                core::make_memory_registry(), std::move(sources), m);
  // cluster.enabled: joined to the other replicas through Redis (connects once the server is up).
  std::optional<app::cluster_runtime> cluster;
  if (cfg.cluster.enabled) {
    const auto& c = cfg.cluster;
    cluster.emplace(app::cluster_runtime_options{c.redis_url, c.redis_password, c.node_id, c.key_prefix,
                                                 c.connect_timeout, c.command_timeout, c.node_ttl,
                                                 c.heartbeat_interval, c.handoff_timeout, c.max_bus_queue,
                                                 c.max_pending_commands},
                    hub, *registry, log);
  }
  // auth.mode jwt: the keys (loaded now: a JWKS that cannot be read stops the start) and the gate.
  const bool jwt = cfg.auth.mode == config::auth_mode::jwt;
  std::optional<app::auth_keys> keys;
  if (jwt) keys.emplace(cfg.auth, m, log).load_or_throw();
  core::auth_gate gate({jwt, cfg.auth.failure_rate_limit.per_second, cfg.auth.failure_rate_limit.burst},
                       [&keys](std::string_view token) { return keys->verify(token); }, m);
  net::http_router_options http_opts{cfg.server.static_dir, cfg.turn.rest_api, cfg.turn.api_keys, 16 * 1024 * 1024,
                                     [&m] { m.credentials_issued.Increment(); }, nullptr};
  if (jwt) {
    http_opts.verify_jwt = [&keys](std::string_view token, std::string& reason) {
      return keys->verify_subject(token, reason);
    };
  }
  net::http_router router(std::move(http_opts), ice);
  turn::turn_service turn(app::managed_options_from(cfg), *registry, log);
  if (turn.active()) turn.start();
  // SIGHUP re-reads the file with the same --set and environment.
  auto reload = [&path, &sets](std::string& error) -> std::optional<config::config> {
    auto fresh = config::load({path, sets, switchboard_environment(), nullptr, true});
    if (fresh.cfg) return std::move(*fresh.cfg);
    error = fresh.problems.empty() ? "invalid configuration" : config::format_problems({fresh.problems.front()});
    while (!error.empty() && error.back() == '\n') error.pop_back();
    return std::nullopt;
  };
  net::server_deps deps{cfg, hub, m, router, log, [&turn] { return turn.ready(); }, reload};
  if (jwt) {
    deps.gate = &gate;
    deps.reload_keys = [&keys](std::vector<std::string>& done) { return keys->reload(done); };
    deps.tick = [&keys] { keys->tick(); };
  }
  if (cluster) {
    deps.spread_drain = true;
    deps.handoffs_pending = [&cluster] { return cluster->handoffs_pending(); };
  }
  net::server srv(std::move(deps));
  if (cluster) cluster->start();
  const int code = srv.run();
  if (cluster) cluster->stop();
  turn.stop();
  log->info("switchboard stopped");
  return code;
}

// `switchboard turn`: only the managed coturn, its metrics and the probe, for
// deployments that run TURN in its own container or pod.
int turn_only(const config::load_result& loaded, const std::string& path, const std::vector<std::string>& sets) {
  const auto& cfg = *loaded.cfg;
  // Signals are taken synchronously by this thread; block them before any
  // other thread starts so none of them receives one.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto log = app::make_logger(cfg.log);
  log->info("switchboard {} starting the TURN role", SWITCHBOARD_VERSION);
  for (const auto& note : loaded.notes) log->warn("config: {}", note);
  if (!cfg.turn.managed.enabled) log->warn("turn.managed.enabled is false: only the probe runs");
  auto registry = std::make_shared<prometheus::Registry>();
  metrics::add_build_info(*registry, SWITCHBOARD_VERSION);
  app::metrics_server metrics_endpoint(cfg.metrics, registry, *log);
  turn::turn_service turn(app::managed_options_from(cfg), *registry, log);
  turn.start();
  int sig = 0;
  // SIGHUP: the log level is what this role can change without a restart.
  while (sigwait(&stop_signals, &sig) == 0 && sig == SIGHUP) {
    auto fresh = config::load({path, sets, switchboard_environment(), nullptr, false});
    if (!fresh.cfg) {
      log->warn("SIGHUP: configuration not reloaded ({} problem(s)): keeping the running settings",
                fresh.problems.size());
      continue;
    }
    log->set_level(spdlog::level::from_str(fresh.cfg->log.level));
    log->info("SIGHUP: log level {}", fresh.cfg->log.level);
  }
  log->info("signal {}: stopping coturn", sig);
  turn.stop();
  log->info("switchboard stopped");
  return 0;
}

int check_config(const config::load_result& loaded) {
  std::cout << config::dump_masked(*loaded.cfg);
  for (const auto& note : loaded.notes) std::cerr << "note: " << note << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"Switchboard: WebRTC signaling with short-lived TURN credentials"};
  app.set_version_flag("--version", std::string("switchboard ") + SWITCHBOARD_VERSION);
  std::string config_path;
  std::vector<std::string> sets;
  auto add_common = [&](CLI::App& cmd) {
    cmd.add_option("--set", sets, "Override a config key: dotted.key=value (the value is parsed as YAML)")
        ->take_all()
        ->expected(1);
  };
  app.add_option("-c,--config", config_path, "YAML configuration file (for the default 'serve')");
  add_common(app);
  auto* serve_cmd = app.add_subcommand("serve", "Run the signaling service (the default)");
  serve_cmd->add_option("-c,--config", config_path, "YAML configuration file");
  add_common(*serve_cmd);
  auto* check_cmd = app.add_subcommand("check-config", "Validate a config file; print it with secrets masked");
  check_cmd->add_option("file", config_path, "YAML configuration file")->required();
  std::string check_role = "signaling";
  check_cmd->add_option("--role", check_role, "Check for this role: signaling (serve) or turn")
      ->check(CLI::IsMember({"signaling", "turn"}));
  add_common(*check_cmd);
  auto* turn_cmd = app.add_subcommand("turn", "Run only the managed coturn, its metrics and the TURN probe");
  turn_cmd->add_option("-c,--config", config_path, "YAML configuration file");
  add_common(*turn_cmd);
  auto* turn_config_cmd = app.add_subcommand("turn-config", "Print the coturn config rendered from FILE (has secrets)");
  turn_config_cmd->add_option("file", config_path, "YAML configuration file")->required();
  add_common(*turn_config_cmd);
  const auto auth_cmd = app::add_auth_commands(app);
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  // Key and token tooling needs no configuration.
  if (app::auth_selected(*auth_cmd)) return app::run_auth(*auth_cmd);

  // The TURN role serves no signaling: auth.* is not required of its config.
  const bool signaling = !*turn_cmd && !*turn_config_cmd && !(*check_cmd && check_role == "turn");
  const auto loaded = load_config(config_path, sets, signaling);
  if (!loaded) return 2;
  if (*check_cmd) return check_config(*loaded);
  try {
    if (*turn_config_cmd) {
      std::cout << turn::render_for(app::coturn_options_from(*loaded->cfg));
      return 0;
    }
    if (*turn_cmd) return turn_only(*loaded, config_path, sets);
    return serve(*loaded, config_path, sets);
  } catch (const std::exception& e) {
    std::cerr << "switchboard: cannot start: " << e.what() << "\n";
    return 1;
  }
}
