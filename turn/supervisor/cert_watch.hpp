#pragma once
// Notices that TLS certificate files were replaced, so the supervisor can tell
// coturn to reload them (SIGUSR2). Pure: the file reader is injected, and
// tests feed readings by hand.
//
// A change is reported only once it has settled: the new readings must be
// seen twice in a row with every file present. Renewal tools write the
// certificate and the key one after the other; reloading between the two
// would pair a new certificate with the old key.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace switchboard::turn {

struct file_stat {
  bool exists = false;
  std::int64_t mtime_ns = 0;
  std::uint64_t size = 0;
  std::uint64_t inode = 0;  // a rename over the file (certbot, kubelet) changes it

  friend bool operator==(const file_stat&, const file_stat&) = default;
};

using stat_function = std::function<file_stat(const std::string& path)>;

// Reads stat(2) of `path` (following symlinks); exists == false when that fails.
file_stat stat_file(const std::string& path);

class cert_watch {
public:
  // Takes the first reading of every path as the baseline.
  explicit cert_watch(std::vector<std::string> paths, stat_function read = stat_file);

  // Reads every path and reports whether a settled change happened.
  bool poll();

  // The same, with readings taken elsewhere (one per path, in order). A
  // reading of a different length is treated as unsettled.
  bool changed(const std::vector<file_stat>& current);

  const std::vector<std::string>& paths() const noexcept { return paths_; }

private:
  std::vector<file_stat> read_all() const;

  std::vector<std::string> paths_;
  stat_function read_;
  std::vector<file_stat> baseline_;
  std::vector<file_stat> pending_;  // a differing reading awaiting confirmation; empty if none
};

}  // namespace switchboard::turn
