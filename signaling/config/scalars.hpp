#pragma once
// Text <-> value conversions for configuration scalars. No YAML here: these are
// shared by the YAML readers, the dumper and anyone printing a config value.

#include "signaling/config/config.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::config {

// "30s", "10m", "1h", "500ms", "2d" or a bare number of seconds; nullopt if
// malformed, negative or too large to represent.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text);

// The largest unit that represents `d` exactly: 3600000ms -> "1h", 1500ms -> "1500ms".
std::string format_duration(std::chrono::milliseconds d);

// "host:port" (IPv4 literal or host name) or "[ipv6]:port"; port 0..65535.
std::optional<endpoint> parse_endpoint(std::string_view text);

// The inverse of parse_endpoint: IPv6 hosts get their brackets back.
std::string format_endpoint(const endpoint& e);

// A plain decimal integer with no sign, spaces or suffix.
std::optional<std::uint64_t> parse_unsigned(std::string_view text);

// A finite decimal number.
std::optional<double> parse_number(std::string_view text);

// Shortest text that reads back as the same double ("50", "0.1").
std::string format_number(double value);

}  // namespace switchboard::config
