#pragma once
// The current verification keys, shared by every session and replaceable at
// run time (SIGHUP or a file watch): a reload that fails keeps the old keys.

#include "signaling/auth/jwks.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace switchboard::auth {

class key_store {
 public:
  // Source: the JWKS file `path`, or, when `inline_jwks` is non-empty, that
  // document itself (env SWITCHBOARD_AUTH_JWKS); `path` is then only a label.
  key_store(std::string path, std::string inline_jwks);

  // Loads now. Empty on success; otherwise the reason (with the path), and
  // the previous keys (none at first) stay current.
  std::string load();

  // For a file source: true when the file's (device, inode, size, mtime)
  // differs from what the last load attempt saw, so a broken file is not
  // re-read in a loop until it changes again. Always false for inline.
  bool changed_on_disk() const;

  // nullptr before the first successful load.
  std::shared_ptr<const key_set> current() const;

  const std::string& path() const noexcept { return path_; }

  static constexpr std::size_t max_file_bytes = 1 << 20;

  struct file_id {
    std::uint64_t device = 0, inode = 0, size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const file_id&) const = default;
  };

 private:
  std::string read_file(std::string& text, std::optional<file_id>& seen) const;

  const std::string path_;
  const std::string inline_;
  mutable std::mutex mutex_;
  std::shared_ptr<const key_set> keys_;
  bool attempted_ = false;
  std::optional<file_id> seen_;  // nullopt: the file was missing or unreadable
};

}  // namespace switchboard::auth
