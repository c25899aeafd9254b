#pragma once
// Reading values out of the Prometheus text exposition format.

#include <optional>
#include <string_view>

namespace switchboard::test {

// The value of one series in `text`. `series` is written as in the exposition
// format: `name` or `name{label="value",...}`; labels match as a set, in any
// order. nullopt when the series is absent or the query is malformed.
std::optional<double> find_metric(std::string_view text, std::string_view series);

}  // namespace switchboard::test
