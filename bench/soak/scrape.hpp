#pragma once
// Reading the server's /metrics: a blocking HTTP/1.0 GET with a deadline (run on the
// sampler's thread, never on the clients' event loop) and a parser of the Prometheus
// text format into "name{labels}" -> value, as the exposition spells the series.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::soak {

using metric_map = std::map<std::string, double, std::less<>>;

// Pure: comment lines skipped, "name{labels} value [timestamp]" kept as is.
metric_map parse_prometheus(std::string_view text);
// The series `name` (no labels) plus every name{...}; 0 when absent.
double family_sum(const metric_map& m, std::string_view name);
// Whether the exposition has the series `name` or any name{...}.
bool has_family(const metric_map& m, std::string_view name);
// One series, e.g. series(m, "switchboard_errors_sent_total", "code", "bad-request").
std::optional<double> series(const metric_map& m, std::string_view name, std::string_view label,
                             std::string_view value);

// GET http://host:port/path; the body of a 200 reply, or nullopt (and why in `error`).
std::optional<std::string> http_get(const std::string& host, std::uint16_t port, const std::string& path,
                                    double timeout_s, std::string& error);

}  // namespace switchboard::soak
