#pragma once
// auth.mode jwt for the integration tests: keys made with signaling/auth (the
// same code as `switchboard auth keygen`), tokens with any claims (expired,
// future, another room), and a server started with the JWKS in its temp dir.

#include "signaling/auth/sign.hpp"
#include "tests/integration/signaling_helpers.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::test {

struct test_key {
  std::string kid;
  std::unique_ptr<auth::signing_key> key;
  std::string jwk;  // public
};
test_key make_key(auth::algorithm alg, const std::string& kid);

// The JWKS document holding these keys' public halves.
std::string jwks_of(const std::vector<const test_key*>& keys);

struct claims {
  std::string sub = "alice";
  std::optional<std::string> room = std::nullopt;
  std::chrono::seconds exp_in{300};  // relative to now; negative: already expired
  std::string aud = "switchboard";
};
std::string mint(const test_key& k, const claims& c);

// A jwt-mode server whose JWKS (jwks.json in its temp dir) holds `jwks`.
server_options jwt_server(const std::string& jwks, std::vector<std::string> more_sets = {});

// Connects and sends start with `token`; the reply (start or error).
std::optional<json::object> start_with(ws_client& ws, const std::string& token);
peer start_authenticated(const server_fixture& server, const std::string& token);

}  // namespace switchboard::test
