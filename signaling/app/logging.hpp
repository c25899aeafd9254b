#pragma once
// The process logger: text or JSON lines on stdout, at the configured level.

#include "signaling/config/config.hpp"

#include <memory>

namespace spdlog {
class logger;
}

namespace switchboard::app {

std::shared_ptr<spdlog::logger> make_logger(const config::log_config& cfg);

}  // namespace switchboard::app
