#include "signaling/log/utf8.hpp"

#include <array>

namespace switchboard::log {
namespace {

constexpr bool is_continuation(unsigned char b) noexcept { return (b & 0xC0) == 0x80; }

// Allowed range of the second byte for each lead byte (Unicode Table 3-7);
// this is what rules out overlong forms, surrogates and > U+10FFFF.
struct lead_rule {
  std::size_t size;
  unsigned char second_min;
  unsigned char second_max;
};

constexpr lead_rule rule_for(unsigned char lead) noexcept {
  if (lead >= 0xC2 && lead <= 0xDF) return {2, 0x80, 0xBF};
  if (lead == 0xE0) return {3, 0xA0, 0xBF};
  if (lead == 0xED) return {3, 0x80, 0x9F};
  if (lead >= 0xE1 && lead <= 0xEF) return {3, 0x80, 0xBF};
  if (lead == 0xF0) return {4, 0x90, 0xBF};
  if (lead >= 0xF1 && lead <= 0xF3) return {4, 0x80, 0xBF};
  if (lead == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

constexpr std::array<char, 16> hex_digits{'0', '1', '2', '3', '4', '5', '6', '7',
                                          '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

void append_byte_escape(std::string& out, unsigned char b) {
  out += "\\x";
  out += hex_digits[b >> 4];
  out += hex_digits[b & 0x0F];
}

void append_code_point_escape(std::string& out, char32_t cp) {
  out += "\\u{";
  for (int shift = 12; shift >= 0; shift -= 4) out += hex_digits[(cp >> shift) & 0x0F];
  out += '}';
}

}  // namespace

utf8_unit next_utf8_unit(std::string_view text, std::size_t pos) noexcept {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) return {1, lead, true};
  const lead_rule rule = rule_for(lead);
  if (rule.size == 0 || text.size() - pos < rule.size) return {};
  const auto second = static_cast<unsigned char>(text[pos + 1]);
  if (second < rule.second_min || second > rule.second_max) return {};
  char32_t cp = lead & (0xFF >> (rule.size + 1));
  for (std::size_t i = 1; i < rule.size; ++i) {
    const auto b = static_cast<unsigned char>(text[pos + i]);
    if (!is_continuation(b)) return {};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {rule.size, cp, true};
}

bool is_unsafe_code_point(char32_t cp) noexcept {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return true;
  switch (cp) {
    case 0x061C:                                                   // arabic letter mark
    case 0x200E: case 0x200F:                                      // LRM, RLM
    case 0x2028: case 0x2029:                                      // line, paragraph separator
    case 0x202A: case 0x202B: case 0x202C: case 0x202D: case 0x202E:  // embeddings, overrides
    case 0x2066: case 0x2067: case 0x2068: case 0x2069:            // isolates
      return true;
    default:
      return false;
  }
}

void append_printable(std::string& out, std::string_view text, std::size_t pos, const utf8_unit& unit) {
  if (!unit.valid) {
    append_byte_escape(out, static_cast<unsigned char>(text[pos]));
  } else if (!is_unsafe_code_point(unit.code_point)) {
    out.append(text.substr(pos, unit.size));
  } else if (unit.code_point < 0x80) {
    append_byte_escape(out, static_cast<unsigned char>(unit.code_point));
  } else {
    append_code_point_escape(out, unit.code_point);
  }
}

}  // namespace switchboard::log
