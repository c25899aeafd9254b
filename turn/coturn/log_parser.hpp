#pragma once
// coturn log lines -> coturn_event values. Pure and stateless: the process
// driver feeds every line of coturn's stdout here, hands the events to
// relay_metrics and logs the lines this does not recognise.
//
// Trust: coturn 4.6.1 prints the USERNAME of unauthenticated requests raw, so
// any client can add whole forged lines to the log. Treat events as hints:
// relay_metrics bounds what a forged line can do; a supervisor should act on
// startup events (listeners, bind failures, config problems) only before
// coturn is serving.

#include "turn/coturn/log_event.hpp"

#include <optional>
#include <string_view>

namespace switchboard::turn {

// One line without its newline (a trailing '\r' is tolerated), as coturn
// 4.6.1 prints it: "<seconds>: : <message>". nullopt when the line is not
// one of the kinds in log_event.hpp.
std::optional<coturn_event> parse_coturn_line(std::string_view line);

// The text after "reason: " in a "closed (2nd stage)" line, reduced to the
// fixed set. "allocation timeout" gives expired: only relay_metrics knows
// whether the client asked for it (released).
close_reason normalise_close_reason(std::string_view text) noexcept;

// How a failed request is counted, from its code, whether the request named
// a user, and coturn's reason text.
failure_kind classify_failure(int code, bool has_user, std::string_view text) noexcept;

}  // namespace switchboard::turn
