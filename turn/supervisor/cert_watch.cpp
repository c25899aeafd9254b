#include "turn/supervisor/cert_watch.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <utility>

namespace switchboard::turn {

file_stat stat_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  file_stat out;
  out.exists = true;
  out.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  out.size = static_cast<std::uint64_t>(st.st_size);
  out.inode = static_cast<std::uint64_t>(st.st_ino);
  return out;
}

cert_watch::cert_watch(std::vector<std::string> paths, stat_function read)
    : paths_(std::move(paths)), read_(std::move(read)), baseline_(read_all()) {}

bool cert_watch::poll() { return changed(read_all()); }

bool cert_watch::changed(const std::vector<file_stat>& current) {
  if (current == baseline_) {
    pending_.clear();  // changed and changed back: nothing to reload
    return false;
  }
  const bool complete = current.size() == paths_.size() &&
                        std::all_of(current.begin(), current.end(), [](const file_stat& s) { return s.exists; });
  if (!complete || current != pending_) {
    pending_ = complete ? current : std::vector<file_stat>{};
    return false;
  }
  baseline_ = current;
  pending_.clear();
  return true;
}

std::vector<file_stat> cert_watch::read_all() const {
  std::vector<file_stat> out;
  out.reserve(paths_.size());
  for (const auto& p : paths_) out.push_back(read_(p));
  return out;
}

}  // namespace switchboard::turn
