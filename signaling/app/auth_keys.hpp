#pragma once
// auth.mode jwt at run time: the JWKS in use (re-read on SIGHUP and when the
// file changes), token verification for the WebSocket start and the REST API,
// and the log lines and metrics of both. Wiring only: the verifier is
// signaling/auth, the policy is core::auth_gate.

#include "signaling/auth/key_store.hpp"
#include "signaling/auth/verify.hpp"
#include "signaling/config/config.hpp"
#include "signaling/core/auth_gate.hpp"
#include "signaling/metrics/metrics.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spdlog {
class logger;
}

namespace switchboard::app {

class auth_keys {
public:
  auth_keys(const config::auth_config& cfg, metrics::signaling_metrics& metrics, std::shared_ptr<spdlog::logger> log);

  // Loads the JWKS; throws std::runtime_error (start-up fails) when it cannot.
  void load_or_throw();
  // SIGHUP: re-reads the JWKS, keeping the keys in use when it fails.
  bool reload(std::vector<std::string>& done);
  // The file watch: re-reads the file when it changed on disk.
  void tick();

  core::token_verdict verify(std::string_view token) const;
  // For the REST API: the subject, or nullopt with `reason`.
  std::optional<std::string> verify_subject(std::string_view token, std::string& reason) const;

private:
  // Loads and reports; returns the error (empty: loaded).
  std::string load_now();

  auth::key_store store_;
  auth::verify_options options_;
  std::string source_;  // the file, or the environment variable, for log lines
  metrics::signaling_metrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace switchboard::app
