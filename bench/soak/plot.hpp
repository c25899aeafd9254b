#pragma once
// Draws the run's CSV into a PNG with gnuplot (Debian gnuplot-nox) and plot.gp.

#include "bench/soak/options.hpp"
#include "bench/soak/verdict.hpp"

namespace switchboard::soak {

// False (with a note on stderr) when gnuplot is missing or fails: the verdict stands.
bool plot(const options& o, const run_record& r, const verdict& v);

}  // namespace switchboard::soak
