#include "signaling/app/auth_keys.hpp"

#include "signaling/auth/jwks.hpp"
#include "signaling/log/log_value.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

namespace switchboard::app {
namespace {

auth::verify_options options_from(const config::auth_config& cfg) {
  auth::verify_options o;
  o.audience = cfg.audience;
  o.issuers = cfg.issuers;
  o.leeway = cfg.leeway;
  o.max_lifetime = cfg.max_token_lifetime;
  return o;
}

std::string source_name(const config::auth_config& cfg) {
  return cfg.jwks.empty() ? cfg.jwks_file : std::string("SWITCHBOARD_AUTH_JWKS");
}

}  // namespace

auth_keys::auth_keys(const config::auth_config& cfg, metrics::signaling_metrics& metrics,
                     std::shared_ptr<spdlog::logger> log)
    : store_(cfg.jwks.empty() ? cfg.jwks_file : std::string(), cfg.jwks),
      options_(options_from(cfg)),
      source_(source_name(cfg)),
      metrics_(metrics),
      log_(std::move(log)) {}

std::string auth_keys::load_now() {
  std::string error = store_.load();
  metrics_.jwks_reloads(error.empty() ? metrics::reload_result::ok : metrics::reload_result::failed).Increment();
  if (const auto keys = store_.current()) metrics_.jwks_keys.Set(static_cast<double>(keys->size()));
  return error;
}

void auth_keys::load_or_throw() {
  if (auto error = load_now(); !error.empty()) {
    throw std::runtime_error("auth: cannot load the JWKS (" + source_ + "): " + error);
  }
  std::string kids;
  for (const auto& k : store_.current()->kids()) kids += (kids.empty() ? "" : ", ") + log::log_value(k);
  log_->info("auth: jwt mode; {} key(s) from {} (kid {})", store_.current()->size(), source_,
             kids.empty() ? "-" : kids);
}

bool auth_keys::reload(std::vector<std::string>& done) {
  if (auto error = load_now(); !error.empty()) {
    done.push_back("JWKS kept (" + error + ")");
    return false;
  }
  done.push_back("JWKS reloaded (" + std::to_string(store_.current()->size()) + " key(s))");
  return true;
}

void auth_keys::tick() {
  if (!store_.changed_on_disk()) return;
  if (auto error = load_now(); !error.empty()) {
    log_->warn("auth: {} changed but was not loaded ({}): keeping the keys in use", source_, error);
    return;
  }
  log_->info("auth: {} changed: {} key(s) loaded", source_, store_.current()->size());
}

core::token_verdict auth_keys::verify(std::string_view token) const {
  const auto keys = store_.current();
  if (!keys) return {std::nullopt, "no_keys", "no keys are loaded"};
  auto r = auth::verify(token, *keys, options_, std::chrono::system_clock::now());
  if (!r.id) return {std::nullopt, std::string(auth::to_string(r.why)), std::move(r.message)};
  return {core::peer_identity{std::move(r.id->subject), std::move(r.id->room)}, {}, {}};
}

std::optional<std::string> auth_keys::verify_subject(std::string_view token, std::string& reason) const {
  auto v = verify(token);
  if (!v.who) {
    metrics_.auth_failures(v.reason).Increment();
    reason = v.message;
    return std::nullopt;
  }
  metrics_.auth_successes.Increment();
  return std::move(v.who->subject);
}

}  // namespace switchboard::app
