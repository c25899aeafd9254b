#pragma once
// Every wait in the integration tests ends at a deadline, never after a fixed
// sleep: a healthy server answers long before it, a broken one fails the test.

#include <chrono>

namespace switchboard::test {

using clock = std::chrono::steady_clock;
using deadline = clock::time_point;

// Sanitizer builds run several times slower; SWITCHBOARD_TEST_TIMEOUT_SCALE
// stretches every deadline without touching the tests.
double timeout_scale();

// now + d (scaled).
deadline within(std::chrono::milliseconds d);

}  // namespace switchboard::test
