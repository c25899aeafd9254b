#include "tests/integration/auth_helpers.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace switchboard::test {

test_key make_key(auth::algorithm alg, const std::string& kid) {
  auto generated = auth::generate_key(alg, kid);
  std::string error;
  test_key k{kid, auth::parse_signing_key(generated.private_text, error), generated.public_jwk_json};
  EXPECT_TRUE(k.key) << error;
  return k;
}

std::string jwks_of(const std::vector<const test_key*>& keys) {
  std::string out = R"({"keys":[)";
  for (std::size_t i = 0; i < keys.size(); ++i) out += (i ? "," : "") + keys[i]->jwk;
  return out + "]}";
}

std::string mint(const test_key& k, const claims& c) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::ostringstream os;
  os << R"({"sub":")" << c.sub << R"(","aud":")" << c.aud << R"(","iat":)" << now - 10 << R"(,"exp":)"
     << now + c.exp_in.count();
  if (c.room) os << R"(,"room":")" << *c.room << '"';
  os << '}';
  return auth::sign_token(*k.key, k.kid, os.str());
}

server_options jwt_server(const std::string& jwks, std::vector<std::string> more_sets) {
  std::vector<std::string> sets{"auth.mode=jwt", "auth.jwks_file=@DIR@/jwks.json"};
  sets.insert(sets.end(), more_sets.begin(), more_sets.end());
  auto opts = with_sets(std::move(sets));
  opts.files["jwks.json"] = jwks;
  return opts;
}

std::optional<json::object> start_with(ws_client& ws, const std::string& token) {
  if (!ws.send_text(R"({"action":"start","data":{"token":")" + token + R"("}})")) return std::nullopt;
  return read_json(ws);
}

peer start_authenticated(const server_fixture& server, const std::string& token) {
  peer p;
  p.ws = server.connect();
  const auto reply = start_with(p.ws, token);
  if (!reply || str(*reply, "action") != "start") {
    ADD_FAILURE() << "start refused: " << (reply ? to_text(*reply) : std::string("no reply"));
    return p;
  }
  p.id = str(*reply, "id");
  p.token = str(*reply, "resumeToken");
  p.start_reply = *reply;
  return p;
}

}  // namespace switchboard::test
