#include "signaling/app/logging.hpp"

#include "signaling/log/line_format.hpp"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <optional>
#include <string>
#include <utility>

namespace switchboard::app {
namespace {

// Replaces spdlog's pattern formatter, which copies the payload raw: a
// message carrying a newline or invalid UTF-8 would forge or break lines.
class line_formatter final : public spdlog::formatter {
public:
  explicit line_formatter(config::log_format format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto level = spdlog::level::to_string_view(msg.level);
    const std::string_view level_name(level.data(), level.size());
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    line_.clear();
    if (format_ == config::log_format::json) {
      log::append_json_line(line_, msg.time, level_name, payload);
    } else {
      log::append_text_line(line_, msg.time, level_name, payload);
    }
    dest.append(line_.data(), line_.data() + line_.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<line_formatter>(format_); }

private:
  config::log_format format_;
  std::string line_;  // reused; a sink calls its formatter under its own lock
};

std::optional<spdlog::level::level_enum> parse_level(std::string_view name) {
  using spdlog::level::level_enum;
  static constexpr std::array<std::pair<std::string_view, level_enum>, 8> names{{
      {"trace", level_enum::trace},
      {"debug", level_enum::debug},
      {"info", level_enum::info},
      {"warn", level_enum::warn},
      {"warning", level_enum::warn},
      {"error", level_enum::err},
      {"critical", level_enum::critical},
      {"off", level_enum::off},
  }};
  for (const auto& [n, level] : names) {
    if (n == name) return level;
  }
  return std::nullopt;
}

}  // namespace

std::unique_ptr<spdlog::formatter> make_formatter(config::log_format format) {
  return std::make_unique<line_formatter>(format);
}

std::shared_ptr<spdlog::logger> make_logger(const config::log_config& cfg, std::shared_ptr<spdlog::sinks::sink> sink) {
  auto logger = std::make_shared<spdlog::logger>("switchboard", std::move(sink));
  logger->set_formatter(make_formatter(cfg.format));
  // The loader has validated the name; info is only a fallback.
  if (!set_level(*logger, cfg.level)) logger->set_level(spdlog::level::info);
  // Flush every line: logs go to a pipe or a container runtime and must not sit in a buffer.
  logger->flush_on(spdlog::level::trace);
  return logger;
}

std::shared_ptr<spdlog::logger> make_logger(const config::log_config& cfg) {
  return make_logger(cfg, std::make_shared<spdlog::sinks::stdout_sink_mt>());
}

bool set_level(spdlog::logger& log, std::string_view level) {
  const auto parsed = parse_level(level);
  if (!parsed) return false;
  log.set_level(*parsed);
  return true;
}

}  // namespace switchboard::app
