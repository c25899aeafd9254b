#include "bench/soak/plot.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace switchboard::soak {

namespace {

// Single quotes delimit gnuplot strings; the values here never contain one.
std::string gp_string(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? '"' : c;
  return out + "'";
}

std::string default_title(const options& o, const run_record& r, const verdict& v) {
  std::ostringstream t;
  t << "Switchboard soak: " << o.pairs << " pairs, " << static_cast<int>(r.run_s) << " s, churn "
    << o.churn_rate << "/pair/s" << (o.asan ? " (ASan)" : "") << " - " << (v.pass ? "PASS" : "FAIL");
  return t.str();
}

}  // namespace

bool plot(const options& o, const run_record& r, const verdict& v) {
  const std::string script = o.plot_script.empty() ? std::string(SWITCHBOARD_SOAK_PLOT_SCRIPT) : o.plot_script;
  std::error_code ec;
  const auto parent = std::filesystem::path(o.png).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::ostringstream vars;
  vars << "csv=" << gp_string(o.csv) << "; png=" << gp_string(o.png)
       << "; title_text=" << gp_string(o.title.empty() ? default_title(o, r, v) : o.title)
       << "; w2a=" << v.rss.second_from << "; w2b=" << v.rss.second_to << "; wla=" << v.rss.last_from
       << "; wlb=" << v.rss.last_to << "; fd_base=" << r.fds_baseline;
  std::vector<std::string> argv = {"gnuplot", "-e", vars.str(), script};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "gnuplot", nullptr, nullptr, args.data(), environ) != 0) {
    std::fprintf(stderr, "[soak] gnuplot not found (Debian: gnuplot-nox): no plot\n");
    return false;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "[soak] gnuplot failed: no plot\n");
    return false;
  }
  std::printf("[soak] plot: %s\n", o.png.c_str());
  return true;
}

}  // namespace switchboard::soak
