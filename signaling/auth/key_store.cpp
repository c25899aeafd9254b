#include "signaling/auth/key_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace switchboard::auth {
namespace {

key_store::file_id id_of(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
          static_cast<std::uint64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

key_store::key_store(std::string path, std::string inline_jwks) : path_(std::move(path)), inline_(std::move(inline_jwks)) {}

// Reads through one descriptor and identifies the file by fstat on it, so
// the identity recorded is that of the bytes actually read.
std::string key_store::read_file(std::string& text, std::optional<file_id>& seen) const {
  fd_guard file{::open(path_.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    const int err = errno;
    // Remember an unreadable file too, so it is retried only once it changes.
    if (struct stat st {}; ::stat(path_.c_str(), &st) == 0) seen = id_of(st);
    return "cannot open " + path_ + ": " + std::strerror(err);
  }
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) return "cannot stat " + path_ + ": " + std::strerror(errno);
  seen = id_of(st);
  if (!S_ISREG(st.st_mode)) return path_ + " is not a regular file";
  if (static_cast<std::size_t>(st.st_size) > max_file_bytes) return path_ + " is larger than 1 MiB";
  char buf[8192];
  for (;;) {
    const auto n = ::read(file.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return "cannot read " + path_ + ": " + std::strerror(errno);
    if (n == 0) return {};
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_file_bytes) return path_ + " is larger than 1 MiB";
  }
}

std::string key_store::load() {
  std::string text;
  std::optional<file_id> seen;
  std::string error = inline_.empty() ? read_file(text, seen) : std::string();
  jwks_result parsed;
  if (error.empty()) {
    parsed = parse_jwks(inline_.empty() ? std::string_view(text) : std::string_view(inline_));
    if (!parsed.keys) error = (inline_.empty() ? path_ : std::string("SWITCHBOARD_AUTH_JWKS")) + ": " + parsed.error;
  }
  const std::lock_guard lock(mutex_);
  attempted_ = true;
  seen_ = seen;
  if (parsed.keys) keys_ = std::move(parsed.keys);
  return error;
}

bool key_store::changed_on_disk() const {
  if (!inline_.empty()) return false;
  struct stat st {};
  std::optional<file_id> now;
  if (::stat(path_.c_str(), &st) == 0) now = id_of(st);
  const std::lock_guard lock(mutex_);
  return !attempted_ || now != seen_;
}

std::shared_ptr<const key_set> key_store::current() const {
  const std::lock_guard lock(mutex_);
  return keys_;
}

}  // namespace switchboard::auth
