#pragma once
// The process logger: text or JSON lines on stdout, at the configured level.
// Every line is valid UTF-8 with no control characters but its final newline
// (JSON: one valid object), whatever a message holds; see
// signaling/log/line_format.hpp. Client values still go through
// log::log_value() at the call site, which also bounds their size.

#include "signaling/config/config.hpp"

#include <memory>
#include <string_view>

namespace spdlog {
class formatter;
class logger;
namespace sinks {
class sink;
}
}  // namespace spdlog

namespace switchboard::app {

std::shared_ptr<spdlog::logger> make_logger(const config::log_config& cfg);
// The same logger writing to `sink` instead of stdout (tests).
std::shared_ptr<spdlog::logger> make_logger(const config::log_config& cfg, std::shared_ptr<spdlog::sinks::sink> sink);

// "2026-11-24T22:44:34.054Z info msg" (text, UTC) or
// {"ts":"2026-11-24T22:44:34.054Z","level":"info","msg":"msg"} (json).
std::unique_ptr<spdlog::formatter> make_formatter(config::log_format format);

// Sets the level by name, for a reload on SIGHUP: log.level's names (trace,
// debug, info, warn, error, off) and spdlog's (warning, critical). Returns
// false, leaving the level as it was, for any other name.
bool set_level(spdlog::logger& log, std::string_view level);

}  // namespace switchboard::app
