#pragma once
// Small text helpers for messages that may quote operator-supplied values.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::auth {

// `s` quoted, with anything outside printable ASCII replaced by '?' and cut
// to `max` characters (then "..." follows), so a log line stays one line.
std::string quoted_printable(std::string_view s, std::size_t max = 64);

// "45s", "2m", "1h", "4d": a whole unit when exact, else the largest unit
// that fits (seconds below 2 minutes, and so on), rounded down.
std::string short_duration(long long seconds);

// "90s", "5m", "1h", "2d" or plain seconds ("300"); nullopt for anything
// else, negative values and more than ten years.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace switchboard::auth
