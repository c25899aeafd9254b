#pragma once
// A fresh directory under $TMPDIR (or /tmp), removed with everything in it
// when the object goes away, plus small file helpers for tests.

#include <string>
#include <utility>

namespace switchboard::test {

class temp_dir {
public:
  temp_dir();  // throws std::runtime_error when mkdtemp fails
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const noexcept { return path_; }
  // path() + "/" + relative
  std::string file(const std::string& relative) const;
  // Writes `content` to path()/relative, creating parent directories; returns the full path.
  std::string write(const std::string& relative, const std::string& content) const;

private:
  std::string path_;
};

// Creates a self-signed certificate for localhost/127.0.0.1 with the openssl
// CLI; returns {cert path, key path}. Throws when openssl fails.
std::pair<std::string, std::string> make_self_signed_cert(const temp_dir& dir);

}  // namespace switchboard::test
