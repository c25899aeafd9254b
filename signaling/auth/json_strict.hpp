#pragma once
// JSON parsing that refuses an object with the same key twice. Boost.JSON
// keeps one of the duplicates silently, and two readers that keep different
// ones (say, a proxy and this server) would disagree about what a token says.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace switchboard::auth {

// The value of `text`, or nullopt with a short reason in `error` (not JSON,
// or a duplicated key). Never throws on bad input.
std::optional<boost::json::value> parse_json_strict(std::string_view text, std::string& error);

// A view of a Boost.JSON string (valid while the string lives).
inline std::string_view sv(const boost::json::string& s) noexcept { return {s.data(), s.size()}; }

// Same, and the value must be an object.
std::optional<boost::json::object> parse_object_strict(std::string_view text, std::string& error);

}  // namespace switchboard::auth
