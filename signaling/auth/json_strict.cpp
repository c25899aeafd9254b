#include "signaling/auth/json_strict.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>

#include <cstdint>
#include <set>
#include <vector>

namespace switchboard::auth {
namespace {

namespace json = boost::json;
using ec_t = json::error_code;

// A basic_parser handler that builds nothing: it only remembers the keys of
// each open object and stops at the first one seen twice.
class duplicate_finder {
 public:
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);

  bool duplicate = false;

  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_array_begin(ec_t&) { return true; }
  bool on_array_end(std::size_t, ec_t&) { return true; }
  bool on_object_begin(ec_t&) {
    open_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, ec_t&) {
    open_.pop_back();
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, ec_t&) { return true; }
  bool on_string(json::string_view, std::size_t, ec_t&) { return true; }
  bool on_key_part(json::string_view s, std::size_t, ec_t&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, ec_t& ec) {
    key_.append(s.data(), s.size());
    const bool fresh = open_.back().insert(std::move(key_)).second;
    key_.clear();
    if (fresh) return true;
    duplicate = true;
    ec = json::error::extra_data;  // any error stops the parser; `duplicate` says why
    return false;
  }
  bool on_number_part(json::string_view, ec_t&) { return true; }
  bool on_int64(std::int64_t, json::string_view, ec_t&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, ec_t&) { return true; }
  bool on_double(double, json::string_view, ec_t&) { return true; }
  bool on_bool(bool, ec_t&) { return true; }
  bool on_null(ec_t&) { return true; }
  bool on_comment_part(json::string_view, ec_t&) { return true; }
  bool on_comment(json::string_view, ec_t&) { return true; }

 private:
  std::vector<std::set<std::string>> open_;
  std::string key_;
};

}  // namespace

std::optional<json::value> parse_json_strict(std::string_view text, std::string& error) {
  json::basic_parser<duplicate_finder> checker{json::parse_options{}};
  ec_t ec;
  checker.write_some(false, text.data(), text.size(), ec);
  if (checker.handler().duplicate) {
    error = "an object has the same key twice";
    return std::nullopt;
  }
  if (ec) {
    error = "not valid JSON";
    return std::nullopt;
  }
  json::value value = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) {
    error = "not valid JSON";
    return std::nullopt;
  }
  return value;
}

std::optional<json::object> parse_object_strict(std::string_view text, std::string& error) {
  auto value = parse_json_strict(text, error);
  if (!value) return std::nullopt;
  if (!value->is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  return std::move(value->get_object());
}

}  // namespace switchboard::auth
