#pragma once
// What the load generator reads about the server process from /proc, and about itself.
// The parsers are pure functions over the file's text so they can be checked by hand.

#include <cstdint>
#include <optional>
#include <string_view>

namespace switchboard::bench {

// utime + stime (fields 14 and 15 of /proc/PID/stat), in clock ticks.
std::optional<std::uint64_t> parse_stat_cpu_ticks(std::string_view stat);
// VmRSS from /proc/PID/status, in KiB.
std::optional<std::uint64_t> parse_status_rss_kib(std::string_view status);

// The process's CPU time (all threads, user + system) in microseconds; nullopt if unreadable.
std::optional<double> process_cpu_us(int pid);
std::optional<std::uint64_t> process_rss_kib(int pid);
// This process's own CPU time, from getrusage, in microseconds.
double self_cpu_us();
// The machine's 1-minute load average (/proc/loadavg); negative if unreadable.
double load_average();

}  // namespace switchboard::bench
