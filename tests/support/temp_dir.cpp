#include "tests/support/temp_dir.hpp"

#include "tests/support/process.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace switchboard::test {

namespace fs = std::filesystem;

temp_dir::temp_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/switchboard-itest-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = buf.data();
}

temp_dir::~temp_dir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string temp_dir::file(const std::string& relative) const { return path_ + "/" + relative; }

std::string temp_dir::write(const std::string& relative, const std::string& content) const {
  const fs::path full = file(relative);
  fs::create_directories(full.parent_path());
  std::ofstream out(full, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + full.string());
  return full.string();
}

std::pair<std::string, std::string> make_self_signed_cert(const temp_dir& dir) {
  const auto cert = dir.file("cert.pem");
  const auto key = dir.file("key.pem");
  // EC keys: generating RSA would dominate the TLS tests' run time.
  const auto result =
      run(command({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                   "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext",
                   "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert}),
          within(std::chrono::seconds(20)));
  if (result.exit_code != 0) throw std::runtime_error("openssl req failed:\n" + result.output);
  return {cert, key};
}

}  // namespace switchboard::test
