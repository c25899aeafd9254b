#include "signaling/config/readers.hpp"

#include "signaling/config/scalars.hpp"
#include "signaling/log/utf8.hpp"

#include <algorithm>

namespace switchboard::config::detail {
namespace {

void fail(field_errors& errors, const YAML::Node& node, std::string message,
          std::string subkey = {}) {
  errors.push_back({std::move(subkey), std::move(message), node.Mark()});
}

// Scalars only: a list or map where a scalar belongs is reported here.
const std::string* scalar_of(const YAML::Node& node, const char* expected,
                             field_errors& errors) {
  if (!node.IsScalar()) {
    fail(errors, node, std::string("expected ") + expected + ", got " + describe(node));
    return nullptr;
  }
  return &node.Scalar();
}

// YAML text is UTF-8; a value that is not would not survive check-config's dump.
bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto unit = log::next_utf8_unit(s, i);
    if (!unit.valid) return false;
    i += unit.size;
  }
  return true;
}

constexpr const char* not_utf8 = "must be valid UTF-8";

}  // namespace

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      return "\"" + node.Scalar() + "\"";
    default:
      return "nothing";
  }
}

std::optional<std::string> read_text(const YAML::Node& node, text_check check,
                                     field_errors& errors) {
  std::string text;
  if (!node.IsNull()) {
    const auto* scalar = scalar_of(node, "a string", errors);
    if (scalar == nullptr) {
      return std::nullopt;
    }
    text = *scalar;
  }
  if (!valid_utf8(text)) {
    fail(errors, node, not_utf8);
    return std::nullopt;
  }
  if (auto complaint = check != nullptr ? check(text) : std::nullopt) {
    fail(errors, node, *complaint);
    return std::nullopt;
  }
  return text;
}

std::optional<bool> read_flag(const YAML::Node& node, field_errors& errors) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    fail(errors, node, "expected true or false, got " + describe(node));
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> read_count(const YAML::Node& node, std::uint64_t min,
                                        std::uint64_t max, field_errors& errors) {
  const auto* text = scalar_of(node, "a whole number", errors);
  if (text == nullptr) {
    return std::nullopt;
  }
  const auto value = parse_unsigned(*text);
  if (!value) {
    fail(errors, node, "expected a whole number, got " + describe(node));
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    fail(errors, node,
         "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
             *text);
    return std::nullopt;
  }
  return value;
}

std::optional<double> read_positive(const YAML::Node& node, field_errors& errors) {
  const auto* text = scalar_of(node, "a number", errors);
  if (text == nullptr) {
    return std::nullopt;
  }
  const auto value = parse_number(*text);
  if (!value || *value <= 0) {
    fail(errors, node, "expected a positive number, got " + describe(node));
    return std::nullopt;
  }
  return value;
}

std::optional<milliseconds> read_millis(const YAML::Node& node, bool allow_zero,
                                       field_errors& errors) {
  const auto* text = scalar_of(node, "a duration", errors);
  if (text == nullptr) {
    return std::nullopt;
  }
  const auto value = parse_duration(*text);
  if (!value) {
    fail(errors, node,
         "expected a duration such as \"30s\", \"10m\", \"1h\", \"2d\", got " + describe(node));
    return std::nullopt;
  }
  if (!allow_zero && value->count() == 0) {
    fail(errors, node, "must be greater than zero");
    return std::nullopt;
  }
  return value;
}

std::optional<seconds> read_seconds(const YAML::Node& node, bool allow_zero,
                                    field_errors& errors) {
  const auto value = read_millis(node, allow_zero, errors);
  if (!value) {
    return std::nullopt;
  }
  if (value->count() % 1000 != 0) {
    fail(errors, node, "must be a whole number of seconds, got " + node.Scalar());
    return std::nullopt;
  }
  return std::chrono::duration_cast<seconds>(*value);
}

std::optional<endpoint> read_endpoint(const YAML::Node& node, field_errors& errors) {
  if (node.IsSequence()) {
    // `listen: [::1]:8080` unquoted is a YAML flow list; say how to fix it.
    fail(errors, node, "expected host:port, got a list (quote IPv6 addresses: \"[::1]:8080\")");
    return std::nullopt;
  }
  const auto* text = scalar_of(node, "host:port", errors);
  if (text == nullptr) {
    return std::nullopt;
  }
  auto value = parse_endpoint(*text);
  if (!value) {
    fail(errors, node, "expected host:port, got " + describe(node));
  }
  return value;
}

std::optional<std::vector<std::string>> read_list(const YAML::Node& node, text_check check,
                                                  bool masked, field_errors& errors) {
  if (node.IsNull()) {
    return std::vector<std::string>{};
  }
  if (!node.IsSequence()) {
    const auto found = masked ? std::string("a scalar") : describe(node);
    fail(errors, node, "expected a list, got " + found);
    return std::nullopt;
  }
  std::vector<std::string> out;
  const auto before = errors.size();
  for (std::size_t i = 0; i < node.size(); ++i) {
    const auto item = node[i];
    const auto subkey = "[" + std::to_string(i) + "]";
    if (!item.IsScalar()) {
      fail(errors, item, "expected a string, got " + describe(item), subkey);
    } else if (!valid_utf8(item.Scalar())) {
      fail(errors, item, not_utf8, subkey);
    } else if (auto complaint = check != nullptr ? check(item.Scalar()) : std::nullopt) {
      fail(errors, item, *complaint, subkey);
    } else {
      out.push_back(item.Scalar());
    }
  }
  return errors.size() == before ? std::optional(std::move(out)) : std::nullopt;
}

std::optional<std::string> check_ws_path(const std::string& path) {
  if (!path.starts_with('/')) {
    return "must start with \"/\", got \"" + path + "\"";
  }
  return std::nullopt;
}

std::optional<std::string> check_uri(const std::string& uri) {
  for (const char* scheme : {"stun:", "turn:", "turns:"}) {
    if (uri.starts_with(scheme) && uri.size() > std::string_view(scheme).size()) {
      return std::nullopt;
    }
  }
  return "expected a stun:, turn: or turns: URI, got \"" + uri + "\"";
}

std::optional<std::string> check_origin(const std::string& origin) {
  if (origin == "*") {
    return std::nullopt;
  }
  // Browsers send ASCII origins (IDN hosts in punycode): anything else never
  // matches, and would not survive being written back as YAML either.
  const bool ascii = std::all_of(origin.begin(), origin.end(), [](char c) {
    return c > 0x20 && c < 0x7f && c != ',';
  });
  if (!ascii) {
    return std::string("expected an origin of printable ASCII without spaces or commas (IDN hosts in punycode)");
  }
  // Browsers send "scheme://host[:port]" with no path; anything else never matches.
  for (const std::string scheme : {"http://", "https://"}) {
    if (origin.starts_with(scheme) && origin.size() > scheme.size() &&
        origin.find('/', scheme.size()) == std::string::npos) {
      return std::nullopt;
    }
  }
  return "expected \"*\" or an origin like \"https://example.com\" (no path), got \"" + origin +
         "\"";
}

std::optional<std::string> check_secret(const std::string& secret) {
  if (secret.empty()) {
    return "must not be empty";
  }
  // Secrets end up on coturn's "static-auth-secret=" lines, one per line.
  const bool printable = std::all_of(secret.begin(), secret.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
  });
  if (!printable) {
    return "must not contain spaces or control characters";
  }
  return std::nullopt;
}

std::optional<std::string> check_not_empty(const std::string& text) {
  if (text.empty()) {
    return "must not be empty";
  }
  return std::nullopt;
}

}  // namespace switchboard::config::detail
