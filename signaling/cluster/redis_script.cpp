#include "signaling/cluster/redis_script.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <stdexcept>

namespace switchboard::cluster {
namespace {

std::string sha1_hex(const std::string& s) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(s.data(), s.size(), digest, &size, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("SHA-1 of a Redis script failed");
  std::string hex;
  hex.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

redis_argv eval_argv(const char* verb, const std::string& body, const redis_argv& keys, const redis_argv& args) {
  redis_argv argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.emplace_back(verb);
  argv.push_back(body);
  argv.push_back(std::to_string(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

redis_script::redis_script(std::string lua) : text(std::move(lua)), sha1(sha1_hex(text)) {}

bool is_noscript(const redis_reply& reply) { return reply.is_error() && reply.text.rfind("NOSCRIPT", 0) == 0; }

void script_set::load_all(redis_connection& redis) {
  loaded_ = true;
  for (const auto* script : scripts_) {
    redis.command({"SCRIPT", "LOAD", script->text}, [self = shared_from_this()](std::error_code ec, redis_reply r) {
      if (ec || r.is_error()) self->loaded_ = false;
    });
  }
}

void script_set::eval(redis_connection& redis, const redis_script& script, const redis_argv& keys,
                      const redis_argv& args, redis_callback cb) {
  // Once per outage, not per call: while down, each call would queue the
  // whole set again.
  if (!redis.up() && !saw_down_) loaded_ = false;
  saw_down_ = !redis.up();
  if (!loaded_) load_all(redis);
  redis.command(eval_argv("EVALSHA", script.sha1, keys, args),
                [self = shared_from_this(), &redis, &script, keys, args, cb = std::move(cb)](
                    std::error_code ec, redis_reply r) mutable {
                  if (ec) self->loaded_ = false;  // lost with the connection, maybe
                  if (ec || !is_noscript(r)) return cb(ec, std::move(r));
                  self->loaded_ = false;
                  redis.command(eval_argv("EVAL", script.text, keys, args), std::move(cb));
                });
}

}  // namespace switchboard::cluster
