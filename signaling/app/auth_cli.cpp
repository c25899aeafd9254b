#include "signaling/app/auth_cli.hpp"

#include "signaling/auth/key_store.hpp"
#include "signaling/auth/sign.hpp"
#include "signaling/auth/text_util.hpp"
#include "signaling/auth/verify.hpp"

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>

namespace switchboard::app {
namespace {

namespace json = boost::json;
using namespace std::chrono;

[[noreturn]] void fail_errno(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

void write_all(int fd, std::string_view text, const std::string& path) {
  while (!text.empty()) {
    const auto n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("cannot write " + path);
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Writes through a temporary file in the same directory and renames it over
// `path`, so a reader (the server's JWKS watch) sees the old or the new file,
// never half of one.
void write_atomically(const std::string& path, std::string_view text, mode_t mode) {
  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) fail_errno("cannot create a temporary file next to " + path);
  try {
    write_all(fd, text, tmp);
    if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) fail_errno("cannot finish " + tmp);
    if (::close(fd) != 0) fail_errno("cannot close " + tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    errno = err;
    fail_errno("cannot replace " + path);
  }
}

// A private key file: mode 0600, never replacing an existing file unless forced.
void write_private(const std::string& path, std::string_view text, bool force) {
  if (force) return write_atomically(path, text, 0600);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) throw std::runtime_error(path + " exists; use --force to replace it");
  if (fd < 0) fail_errno("cannot create " + path);
  try {
    write_all(fd, text, path);
    if (::fchmod(fd, 0600) != 0 || ::fsync(fd) != 0) fail_errno("cannot finish " + path);
  } catch (...) {
    ::close(fd);
    ::unlink(path.c_str());  // ours: created just now with O_EXCL
    throw;
  }
  ::close(fd);
}

// The file's text; empty when it does not exist.
std::string read_if_exists(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool usable_as_file_name(std::string_view kid) {
  if (kid.empty() || kid.front() == '.' || kid.size() > 100) return false;
  return kid.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
         std::string_view::npos;
}

seconds duration_arg(const std::string& text, const char* option) {
  const auto d = auth::parse_duration(text);
  if (!d) throw std::invalid_argument(std::string(option) + " " + text + ": expected e.g. 90s, 5m, 1h or seconds");
  return *d;
}

int run_keygen(const auth_cli::keygen_args& a) {
  const auto alg = auth::algorithm_from_name(a.alg);
  if (!alg) throw std::invalid_argument("--alg must be EdDSA, ES256, RS256 or HS256");
  if (a.out.empty() && !usable_as_file_name(a.kid)) throw std::invalid_argument("this kid is not a safe file name; give --out");
  const auto out = !a.out.empty() ? a.out : a.kid + (*alg == auth::algorithm::hs256 ? ".jwk.json" : ".pem");
  const auto key = auth::generate_key(*alg, a.kid);
  std::string error;
  // Build the JWKS before writing anything, so a bad JWKS leaves no orphan key.
  const auto doc = auth::upsert_jwks(a.jwks.empty() ? "" : read_if_exists(a.jwks), key.public_jwk_json, error);
  if (doc.empty()) throw std::runtime_error((a.jwks.empty() ? std::string("JWKS") : a.jwks) + ": " + error);
  write_private(out, key.private_text, a.force);
  if (a.jwks.empty()) {
    std::cout << doc;
    return 0;
  }
  struct stat st {};
  mode_t mode = ::stat(a.jwks.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  if (*alg == auth::algorithm::hs256) mode &= 0600;  // the JWKS now holds the secret
  write_atomically(a.jwks, doc, mode);
  std::cerr << "switchboard: key " << a.kid << " (" << a.alg << ") written to " << out << "; " << a.jwks
            << " updated" << (*alg == auth::algorithm::hs256 ? " (it holds the HS256 secret: keep it private)" : "")
            << "\n";
  return 0;
}

int run_token(const auth_cli::token_args& a) {
  std::string error;
  const auto key = auth::load_signing_key(a.key, error);
  if (!key) throw std::runtime_error(error);
  const auto ttl = duration_arg(a.ttl, "--ttl");
  if (ttl.count() <= 0) throw std::invalid_argument("--ttl must be positive");
  const auto now = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
  json::object claims;
  claims["sub"] = a.sub;
  if (!a.aud.empty()) claims["aud"] = a.aud;
  if (!a.iss.empty()) claims["iss"] = a.iss;
  if (!a.room.empty()) claims["room"] = a.room;
  claims["iat"] = now;
  if (!a.nbf_in.empty()) claims["nbf"] = now + duration_arg(a.nbf_in, "--nbf-in").count();
  claims["exp"] = now + ttl.count();
  std::cout << auth::sign_token(*key, a.kid, json::serialize(claims)) << "\n";
  return 0;
}

std::string token_text(const std::string& arg) {
  std::string text = arg;
  if (arg == "-") text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

int run_verify(const auth_cli::verify_args& a) {
  auth::verify_options opt;
  opt.audience = a.aud;
  opt.issuers = a.issuers;
  opt.leeway = duration_arg(a.leeway, "--leeway");
  opt.max_lifetime = duration_arg(a.max_lifetime, "--max-lifetime");
  auth::key_store store(a.jwks, "");
  if (auto error = store.load(); !error.empty()) throw std::runtime_error(error);
  const auto result = auth::verify(token_text(a.token), *store.current(), opt, system_clock::now());
  if (!result.id) {
    std::cerr << "switchboard: token refused: " << auth::to_string(result.why) << ": " << result.message << "\n";
    return 1;
  }
  const auto& id = *result.id;
  json::object out;
  out["sub"] = id.subject;
  out["room"] = id.room ? json::value(*id.room) : json::value(nullptr);
  out["iss"] = id.issuer;
  out["kid"] = id.key_id;
  out["exp"] = duration_cast<seconds>(id.expires.time_since_epoch()).count();
  std::cout << json::serialize(out) << "\n";
  return 0;
}

}  // namespace

std::unique_ptr<auth_cli> add_auth_commands(CLI::App& app) {
  auto cli = std::make_unique<auth_cli>();
  cli->auth = app.add_subcommand("auth", "JWT tools: generate keys, mint and verify tokens (no config needed)");
  cli->auth->require_subcommand(1);

  auto& k = cli->keygen_opts;
  cli->keygen = cli->auth->add_subcommand("keygen", "Generate a signing key; print its public JWKS or add it to --jwks");
  cli->keygen->add_option("--alg", k.alg, "EdDSA, ES256, RS256 or HS256")->required()->check(CLI::IsMember({"EdDSA", "ES256", "RS256", "HS256"}));
  cli->keygen->add_option("--kid", k.kid, "Key id (put in the JWKS and in tokens' headers)")->required();
  cli->keygen->add_option("--out", k.out, "Private key file (default KID.pem, or KID.jwk.json for HS256), mode 0600");
  cli->keygen->add_option("--jwks", k.jwks, "Add (or replace, same kid) the public key in this JWKS file");
  cli->keygen->add_flag("--force", k.force, "Replace an existing private key file");

  auto& t = cli->token_opts;
  cli->token = cli->auth->add_subcommand("token", "Mint a token (for development and tests)");
  cli->token->add_option("--key", t.key, "Private key file (PEM, or HS256 JWK JSON)")->required();
  cli->token->add_option("--kid", t.kid, "Key id for the header (omit only with a one-key JWKS)");
  cli->token->add_option("--sub", t.sub, "Subject: who the token is for")->required();
  cli->token->add_option("--room", t.room, "Restrict the token to this room");
  cli->token->add_option("--ttl", t.ttl, "Lifetime: 90s, 5m, 1h or seconds (default 5m)");
  cli->token->add_option("--aud", t.aud, "Audience (default switchboard; empty: none)");
  cli->token->add_option("--iss", t.iss, "Issuer");
  cli->token->add_option("--nbf-in", t.nbf_in, "Add nbf = now + this (e.g. 0s, 30s)");

  auto& v = cli->verify_opts;
  cli->verify = cli->auth->add_subcommand("verify", "Verify TOKEN against a JWKS; print its identity as JSON");
  cli->verify->add_option("--jwks", v.jwks, "JWKS file")->required();
  cli->verify->add_option("--aud", v.aud, "Required audience (default switchboard)");
  cli->verify->add_option("--iss", v.issuers, "Accepted issuer (repeatable; none: any)")->allow_extra_args(false);
  cli->verify->add_option("--leeway", v.leeway, "Clock skew allowed (default 60s)");
  cli->verify->add_option("--max-lifetime", v.max_lifetime, "Longest accepted exp - iat (default 1h)");
  cli->verify->add_option("token", v.token, "The token, or - to read it from stdin")->required();
  return cli;
}

bool auth_selected(const auth_cli& cli) { return cli.auth && cli.auth->parsed(); }

int run_auth(const auth_cli& cli) {
  try {
    if (cli.keygen->parsed()) return run_keygen(cli.keygen_opts);
    if (cli.token->parsed()) return run_token(cli.token_opts);
    if (cli.verify->parsed()) {
      try {
        return run_verify(cli.verify_opts);
      } catch (const std::exception& e) {
        std::cerr << "switchboard: " << e.what() << "\n";
        return 2;
      }
    }
    std::cerr << "switchboard: auth needs a subcommand: keygen, token or verify\n";
  } catch (const std::exception& e) {
    std::cerr << "switchboard: " << e.what() << "\n";
  }
  return 1;
}

}  // namespace switchboard::app
