#pragma once
// Renders a coturn 4.6.1 turnserver.conf from coturn_options. Pure: no files,
// no processes. The production profile is the hardened one; development adds
// exactly development_differences() so a browser on the same machine can relay.

#include "turn/coturn/options.hpp"

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace switchboard::turn {

// Everything wrong with `opts`, one sentence each naming the config key;
// empty when it can be rendered. Values that coturn's config reader would
// split or alter (newlines, control characters, surrounding blanks or quotes)
// are refused here, so no value can inject a line.
std::vector<std::string> validate(const coturn_options& opts);

struct render_error {
  std::vector<std::string> problems;  // what validate() returned
};

// The config file text, or the problems that stopped it.
std::variant<std::string, render_error> render_coturn_config(const coturn_options& opts);

// A line coturn gets in both profiles because of what it prevents.
struct hardening_line {
  std::string_view key;  // the option as written in the file (valued ones get "=N")
  std::string_view why;
};
// The fixed flags; stale-nonce, user-quota, total-quota and max-bps carry
// values from coturn_options and are listed here too.
std::span<const hardening_line> hardening_lines() noexcept;

enum class difference_kind { added, removed };

// One line that development has and production lacks (added) or the reverse
// (removed). This list is the whole difference between the rendered files;
// a unit test holds the renderer to it. (Validation differs once more:
// development requires a loopback listening address.)
struct profile_difference {
  std::string_view line;
  difference_kind kind;
  std::string_view why;
};
std::span<const profile_difference> development_differences() noexcept;

}  // namespace switchboard::turn
