#pragma once
// Maps Switchboard's configuration onto the managed coturn's options and the
// probe's target. Pure: the one place where turn.* keys meet turn/ types.

#include "signaling/config/config.hpp"
#include "turn/coturn/options.hpp"
#include "turn/stun/probe.hpp"

#include <optional>
#include <string>

namespace switchboard::turn {

// `pidfile`: an absolute path in the runtime directory Switchboard owns.
coturn_options coturn_options_from(const config::config& cfg, std::string pidfile);

// Where the probe sends its Allocate: turn.probe.server, else the managed
// coturn (a wildcard listen address is probed on loopback); nullopt when
// there is nothing to probe or turn.probe.interval is 0.
std::optional<stun::probe_target> probe_target_from(const config::config& cfg);

}  // namespace switchboard::turn
