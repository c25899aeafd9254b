#pragma once
// Views into JSON text that a JSON parser has already accepted: the members
// of an object as they were written, so a forwarded message can carry every
// client field byte for byte (numbers included, which a parse tree would
// rewrite: 1.50 becomes 1.5E0, a 30-digit integer a double). No validation
// here: the input must be valid JSON.

#include <string>
#include <string_view>
#include <vector>

namespace switchboard::protocol::raw {

struct member {
  std::string_view key;    // the key as written, quotes included
  std::string_view value;  // the value as written
};

// The members of the object `text`, in order, duplicates included; false
// (and `out` unspecified) when `text` is not an object.
bool object_members(std::string_view text, std::vector<member>& out);

// The text of the last member named `key` of the object `text` (what a parse
// tree keeps of duplicates); empty when there is none.
std::string_view find_member(std::string_view text, std::string_view key);

// A quoted key's characters, escapes resolved.
std::string key_of(std::string_view quoted);

}  // namespace switchboard::protocol::raw
