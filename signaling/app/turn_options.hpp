#pragma once
// Maps Switchboard's configuration onto the managed TURN side's options: the
// one place where turn.* keys meet turn/ types. Pure.

#include "signaling/config/config.hpp"
#include "turn/coturn/options.hpp"
#include "turn/managed/managed_options.hpp"

#include <optional>

namespace switchboard::app {

// turn.secrets, turn.realm and turn.managed.*: what coturn's config is
// rendered from (no pidfile: turn_service picks one at start).
turn::coturn_options coturn_options_from(const config::config& cfg);

// What the probe sends its Allocate to: turn.probe.server, else the managed
// coturn (a wildcard listen address is probed on loopback); nullopt when
// there is nothing to probe or turn.probe.interval is 0.
std::optional<turn::probe_options> probe_options_from(const config::config& cfg);

// Everything turn_service runs with, for `serve` and `turn`.
turn::managed_options managed_options_from(const config::config& cfg);

}  // namespace switchboard::app
